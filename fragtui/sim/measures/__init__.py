"""What a run comes to: metrics, peaks, sweeps."""
