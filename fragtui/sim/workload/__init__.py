"""Where requests come from: lengths, op lists, traces, and the stream both engines see."""
