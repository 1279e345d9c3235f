"""Lengths, traces, op lists, frees and KV sizing: the inputs of a what-if."""

import random
import statistics
from pathlib import Path

import pytest

from fragtui.sim.errors import InputFileError, ParamError
from fragtui.sim.config.kv import MODELS, format_bytes, parse_bytes, parse_model
from fragtui.sim.workload.lengths import azure, parse_lengths
from fragtui.sim.workload.ops import parse_ops
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Arrive
from fragtui.sim.workload.traces import load_trace
from fragtui.sim.workload.build import build_workload

FIXTURES = Path(__file__).parent / "fixtures"


# -- length samplers ---------------------------------------------------------------------

def draws(text, n=20000, seed=1, used_len=32):
    dist = parse_lengths(text, used_len)
    rng = random.Random(seed)
    return [dist.sample(rng) for _ in range(n)]


def test_samplers_are_deterministic_per_seed():
    for text in ("uniform:1:100", "lognormal:5:1", "azure-conv", "azure-code"):
        assert draws(text, 50, seed=7) == draws(text, 50, seed=7)
        assert draws(text, 50, seed=7) != draws(text, 50, seed=8)


def test_constant_and_uniform():
    assert set(draws("constant", 100, used_len=33)) == {33}
    values = draws("uniform:10:20")
    assert min(values) == 10 and max(values) == 20
    assert abs(statistics.mean(values) - 15) < 0.2


def test_lognormal_matches_its_median_and_mean():
    values = draws("lognormal:5:0.5", 40000)
    assert abs(statistics.median(values) / 148.41 - 1) < 0.03  # e^5
    assert abs(statistics.mean(values) / 168.17 - 1) < 0.03  # e^(5 + 0.125)


@pytest.mark.parametrize("kind", ["conv", "code"])
def test_azure_samplers_reproduce_the_published_percentiles(kind):
    target = azure(kind, "total").percentiles
    values = sorted(draws(f"azure-{kind}", 40000))
    for pct in (10, 25, 50, 75, 90):
        got = values[len(values) * pct // 100]
        assert abs(got - target[pct]) <= max(0.04 * target[pct], 8), (pct, got, target[pct])


@pytest.mark.parametrize("text", ["uniform:5", "uniform:9:3", "lognormal:x:1", "pareto:1", "azure", ""])
def test_bad_lengths_are_refused(text):
    with pytest.raises(ParamError) as error:
        parse_lengths(text, 32)
    assert error.value.describe().startswith("--lengths ")


def test_requests_longer_than_max_len_are_dropped_and_counted():
    params = Params(lengths="uniform:1:1000", max_len=500, arrivals=200).validated()
    workload = build_workload(params)
    arrivals = [e.request for e in workload.events if isinstance(e, Arrive)]
    assert len(arrivals) == 200 and all(r.used <= 500 for r in arrivals)
    assert 150 < workload.dropped < 260  # about as many as were kept: half the range is too long
    assert workload.dropped == build_workload(params).dropped


# -- frees -------------------------------------------------------------------------------

def test_every_other_frees_after_the_wave():
    events = build_workload(Params(arrivals=6, frees="every-other").validated()).events
    assert [e.kind for e in events] == ["arrive"] * 6 + ["free"] * 3
    assert [e.id for e in events[6:]] == [0, 2, 4]


def test_churn_frees_only_live_requests_and_is_seeded():
    params = Params(arrivals=400, frees="churn:0.5", seed=3).validated()
    events = build_workload(params).events
    live, frees = set(), 0
    for e in events:
        if isinstance(e, Arrive):
            live.add(e.id)
        else:
            assert e.id in live
            live.remove(e.id)
            frees += 1
    assert 160 < frees < 240
    assert events == build_workload(params).events
    lengths_only = build_workload(Params(arrivals=400, seed=3).validated()).events
    assert [e for e in events if isinstance(e, Arrive)] == lengths_only


@pytest.mark.parametrize("text", ["churn", "churn:2", "churn:x", "sometimes"])
def test_bad_frees_are_refused(text):
    with pytest.raises(ParamError, match="must be none, every-other or churn:P"):
        Params(frees=text).validated()


# -- op lists ----------------------------------------------------------------------------

def test_op_list():
    events = parse_ops("+32, +64/1024, -0, +128", max_len=512)
    assert [(type(e).__name__, e.id) for e in events] == [("Arrive", 0), ("Arrive", 1), ("Free", 0), ("Arrive", 2)]
    assert (events[1].request.used, events[1].request.max_len) == (64, 1024)
    assert events[3].request.max_len == 512


@pytest.mark.parametrize(
    "text, problem",
    [
        ("+32,x", "op 2 'x': expected +N, +N/M, +N:aK or -I"),
        ("+32,-1", "op 2 '-1': only 1 arrivals so far"),
        ("+32,-0,-0", "op 3 '-0': r0 is already freed"),
        ("+600", "op 1 '+600': 600 tokens exceed its max_len 512"),
        ("+0", "op 1 '+0': expected a whole number from 1"),
        ("+3/", "op 1 '+3/': expected a whole number"),
        (" ", "an op list needs at least one op"),
    ],
)
def test_bad_op_lists_name_the_op(text, problem):
    with pytest.raises(ParamError) as error:
        parse_ops(text, max_len=512)
    assert problem in error.value.describe()


def test_ops_and_frees_do_not_mix():
    with pytest.raises(ParamError, match="cannot be combined with --ops"):
        Params(ops="+1", frees="churn:0.5").validated()


# -- traces ------------------------------------------------------------------------------

def test_azure_csv_as_published_crlf_without_final_newline():
    trace = load_trace(str(FIXTURES / "azure_small.csv"))
    assert trace.kind == "azure"
    assert [(r.used, r.prompt, r.output) for r in trace.rows] == [(418, 374, 44), (505, 396, 109), (880, 879, 1)]
    assert trace.rows[1].seconds == pytest.approx(4.314579)
    assert [r.line for r in trace.rows] == [2, 3, 4]


@pytest.mark.parametrize(
    "name, used",
    [("used_column.csv", [32, 33, 500]), ("tokens_column.csv", [10, 20]), ("lines.txt", [32, 64, 128])],
)
def test_other_trace_formats(name, used):
    assert [r.used for r in load_trace(str(FIXTURES / name)).rows] == used


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty.txt", "empty.txt: is empty"),
        ("bad_value.csv", "bad_value.csv:3: used 'abc' is not a whole number"),
        ("wrong_columns.csv", "wrong_columns.csv:1: no used, tokens or ContextTokens+GeneratedTokens column (found: a, b)"),
        ("binary.bin", "binary.bin: is a binary file"),
        ("huge.txt", "huge.txt:2: tokens 99999999999 is more than 16,777,216 tokens"),
        ("short_row.csv", "short_row.csv:2: expected 3 fields, found 2"),
        ("zero.txt", "zero.txt:2: tokens 0 is below 1"),
        ("header_only.csv", "header_only.csv:1: has a header but no rows"),
        ("bad_time.csv", "bad_time.csv:2: TIMESTAMP 'yesterday' is not a date and time"),
        ("missing.csv", "missing.csv: cannot read"),
    ],
)
def test_bad_traces_say_file_line_and_what(name, message):
    with pytest.raises(InputFileError) as error:
        load_trace(str(FIXTURES / name))
    assert str(error.value).endswith(message) or message in str(error.value)
    assert "\n" not in str(error.value)


def test_trace_rows_longer_than_max_len_are_dropped():
    params = Params(trace=str(FIXTURES / "used_column.csv"), max_len=100).validated()
    workload = build_workload(params)
    assert [e.request.used for e in workload.events] == [32, 33]
    assert workload.dropped == 1


@pytest.mark.parametrize("kind, rows", [("conv", 19366), ("code", 8819)])
def test_the_real_azure_traces(azure_dir, kind, rows):
    trace = load_trace(str(azure_dir / f"AzureLLMInferenceTrace_{kind}.csv"))
    assert trace.kind == "azure" and len(trace.rows) == rows
    prompts = [r.prompt for r in trace.rows]
    assert statistics.median(prompts) == {"conv": 1020, "code": 1469}[kind]
    assert max(r.output for r in trace.rows) == {"conv": 1000, "code": 1899}[kind]
    assert trace.rows[-1].seconds < 3600


# -- KV sizing ---------------------------------------------------------------------------

def test_bytes_per_token_of_the_built_in_shapes():
    assert format_bytes(MODELS["llama-3-8b"].bytes_per_token) == "128 KiB"
    assert format_bytes(MODELS["opt-13b"].bytes_per_token) == "800 KiB"
    assert parse_model("32:8:128:fp16") == MODELS["llama-3-8b"]
    assert parse_model("2:4:8:fp8").bytes_per_token == 2 * 2 * 4 * 8 * 1


def test_kv_memory_sets_total_slots():
    assert Params(kv_memory="12GiB", model="opt-13b").validated().total_slots == 15728
    assert Params(kv_memory="24GiB", model="llama-3-8b").validated().total_slots == 196608
    assert parse_bytes("1.5 MiB") == 1572864 and parse_bytes("80GB") == 80 * 10**9


@pytest.mark.parametrize(
    "changes, starts",
    [
        ({"kv_memory": "24GiB"}, "--kv-memory '24GiB': needs --model"),
        ({"kv_memory": "lots", "model": "opt-13b"}, "--kv-memory 'lots': must be a size"),
        ({"kv_memory": "16TiB", "model": "opt-13b"}, "--kv-memory '16TiB': gives 21,474,836 slots"),
        ({"model": "gpt-9"}, "--model 'gpt-9': must be one of"),
    ],
)
def test_bad_kv_sizing(changes, starts):
    with pytest.raises(ParamError) as error:
        Params(**changes).validated()
    assert error.value.describe().startswith(starts), error.value.describe()
