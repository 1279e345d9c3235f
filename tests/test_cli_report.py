"""`fragtui report`: the seed lines, the table, JSON, and one clean line for bad input."""

import io
import json

from fragtui.cli import main
from fragtui.sim.config.params import Params


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_report_starts_with_the_seed_lines(capsys):
    status, out, _ = run(capsys, "report")
    assert status == 0
    assert out.splitlines()[:2] == [
        "contiguous: admitted=8 rejected=56 wasted=3840",
        "paged: admitted=64 rejected=0 wasted=0",
    ]
    table = {line[:26].strip(): line[26:].split() for line in out.splitlines()[3:] if line[:26].strip()}
    assert table["admitted"] == ["8", "64"]
    assert table["wasted"] == ["3840", "0"]
    assert table["block-table entries"] == ["8", "128"]
    assert table["waste share %"] == ["93.8", "0.0"]


def test_report_with_33_tokens(capsys):
    _, out, _ = run(capsys, "report", "--used-len", "33")
    assert out.splitlines()[:2] == [
        "contiguous: admitted=8 rejected=56 wasted=3832",
        "paged: admitted=64 rejected=0 wasted=960",
    ]


def test_report_json_has_every_metric_for_both(capsys):
    status, out, _ = run(capsys, "report", "--json", "--block-size", "32")
    data = json.loads(out)
    assert status == 0
    assert data["params"]["block_size"] == 32
    for name, admitted in (("contiguous", 8), ("paged", 64)):
        entry = data[name]
        assert entry["admitted"] == admitted
        for key in ("rejected", "rejected_pool_full", "rejected_fragmented", "live", "used", "reserved",
                    "free", "unusable", "largest_free_run", "holes", "stranded", "ext_frag",
                    "utilization", "waste_share", "block_table_entries", "wasted", "peaks"):
            assert key in entry
    assert data["paged"]["block_table_entries"] == 64
    assert data["paged"]["wasted"] == 0


def test_sweep_with_33_tokens(capsys):
    status, out, _ = run(capsys, "sweep", "--used-len", "33")
    assert status == 0
    rows = [line.split() for line in out.splitlines()[1:6]]
    assert [r[0] for r in rows] == ["1", "4", "16", "64", "256"]
    assert [r[1] for r in rows] == ["64", "64", "64", "64", "16"]
    assert [r[3] for r in rows] == ["0", "192", "960", "1984", "3568"]
    assert [r[5] for r in rows] == ["2112", "576", "192", "64", "16"]


def test_sweep_json(capsys):
    _, out, _ = run(capsys, "sweep", "--used-len", "33", "--block-sizes", "16,64", "--json")
    rows = json.loads(out)["rows"]
    assert [(r["block_size"], r["tail_waste"], r["tail_waste_pct"]) for r in rows] == [(16, 960, 31.25), (64, 1984, 48.438)]


OPS = "+32/512,+32/512,+32/512,+32/512,-1,-3,+100/1024"


def test_report_on_an_op_list_shows_the_fragmented_rejection(capsys):
    _, out, _ = run(capsys, "report", "--ops", OPS, "--total-slots", "2048", "--max-len", "1024")
    assert "last fragmented rejection: step 7, r4 needed 1024 contiguous slots." in out
    _, out, _ = run(capsys, "report", "--ops", OPS, "--total-slots", "2048", "--max-len", "1024", "--json")
    steps = json.loads(out)["steps"]
    assert len(steps) == 7
    assert steps[-1] == {
        "step": 7,
        "event": {"kind": "arrive", "id": 4, "used": 100, "max_len": 1024},
        "contiguous": {"outcome": "rejected", "reason": "fragmented", "start": None, "length": 1024},
        "paged": {"outcome": "admitted", "reason": None, "blocks": [8, 9, 10, 11, 12, 13, 14]},
    }
    assert steps[4]["contiguous"] == {"outcome": "freed", "reason": None, "start": 512, "length": 512}
    assert steps[4]["paged"] == {"outcome": "freed", "reason": None, "blocks": [2, 3]}
    assert steps[0]["event"] == {"kind": "arrive", "id": 0, "used": 32, "max_len": 512}


def test_scenario_option_and_listing(capsys):
    _, out, _ = run(capsys, "report", "--scenario", "tail-waste")
    assert out.splitlines()[1] == "paged: admitted=64 rejected=0 wasted=960"
    _, out, _ = run(capsys, "report", "--scenario", "tail-waste", "--used-len", "34")
    assert out.splitlines()[1] == "paged: admitted=64 rejected=0 wasted=896"  # options beat the scenario
    _, out, _ = run(capsys, "scenarios")
    for name in ("seed", "tail-waste", "external-frag", "churn", "azure-conv", "azure-code", "block-size"):
        assert f"\n{name} — " in "\n" + out


def test_report_on_the_real_conv_trace(capsys, azure_dir):
    trace = str(azure_dir / "AzureLLMInferenceTrace_conv.csv")
    status, out, _ = run(capsys, "report", "--trace", trace, "--total-slots", "65536", "--max-len", "16384")
    assert status == 0
    assert "19366 events (trace AzureLLMInferenceTrace_conv.csv: 19366 requests)" in out
    assert out.splitlines()[0] == "contiguous: admitted=4 rejected=19362 wasted=63572"


# -- a report keeps no history: the same numbers, streamed ----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fragtui.report.runs import run_to_end, write_report_json  # noqa: E402
from fragtui.sim.engines.lockstep import Simulation  # noqa: E402
from fragtui.sim.workload.build import build_workload  # noqa: E402
from invariants import stepped_peaks  # noqa: E402
from strategies import event_streams, pool_params, shared_event_streams  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(pool_params(), st.booleans(), st.data())
def test_a_history_free_run_ends_where_the_simulation_does(params, caching, data):
    """Metrics, every peak (rejected steps skipped, as run_to_end does) and the last fragmented
    step are those of the simulation that keeps every step."""
    params = params.with_(prefix_caching=caching)
    events = data.draw(shared_event_streams() if caching else event_streams())
    sim = Simulation(params, events)
    peaks = stepped_peaks(sim)
    done = run_to_end(params, iter(events))  # an iterator: one pass, nothing kept
    assert done.events == sim.step
    for side in range(len(sim.sides)):
        assert done.metrics[side] == sim.metrics(side)
        assert done.peaks[side] == peaks[side]
    fragmented = [r for r in sim.records if r.outcomes[0].reason == "fragmented"]
    assert done.last_fragmented == ((fragmented[-1], 0) if fragmented else None)


def test_report_json_writes_each_step_before_the_next_event_is_taken():
    params = Params(frees="churn:0.5", arrivals=200).validated()
    workload = build_workload(params)
    out = io.StringIO()
    written = []

    def events():
        for event in workload.events:
            written.append(out.tell())
            yield event

    write_report_json(out, params, workload.__class__(workload.requests, events(), workload.dropped, workload.source))
    data = json.loads(out.getvalue())
    assert len(data["steps"]) == len(workload.events) == data["events"]
    assert all(later > earlier for earlier, later in zip(written[1:], written[2:]))  # a step a time
    assert data["contiguous"]["peaks"] == stepped_peaks(Simulation(params, workload.events))[0]
    assert [s["step"] for s in data["steps"][:3]] == [1, 2, 3]


def test_report_json_lists_the_steps_then_the_totals(capsys):
    status, out, _ = run(capsys, "report", "--json", "--arrivals", "3")
    assert status == 0
    data = json.loads(out)
    assert list(data) == ["scenario", "params", "sides", "steps", "events", "dropped", "contiguous", "paged"]
    assert data["sides"] == ["contiguous", "paged"]


def test_a_model_gives_the_slot_counts_in_bytes_too(capsys):
    """OPT-13B: 40 layers × 40 heads × 128 dims × K and V × 2 bytes = 800 KiB a token. Two
    requests of 32 and 64 tokens under max_len 512: contiguous reserves 480 + 448 = 928 slots
    (725 MiB) and leaves 3,072 free (2,400 MiB = 2.3 GiB); paged holds 2 + 4 blocks, all used
    (75 MiB), and leaves 4,000 free (3,125 MiB = 3.1 GiB)."""
    status, out, _ = run(capsys, "report", "--ops", "+32,+64", "--total-slots", "4096", "--max-len", "512",
                         "--model", "opt-13b")
    assert status == 0
    rows = {line[:26].strip(): (line[26:38].strip(), line[38:].strip()) for line in out.splitlines()}
    assert rows["used mem"] == ("75 MiB", "75 MiB")
    assert rows["reserved mem"] == ("725 MiB", "0 B")
    assert rows["free mem"] == ("2.3 GiB", "3.1 GiB")
    assert rows["wasted mem"] == ("725 MiB", "0 B")
    _, plain, _ = run(capsys, "report", "--ops", "+32,+64", "--total-slots", "4096", "--max-len", "512")
    assert "used mem" not in plain  # without a model a slot has no size


def test_slots_typed_outright_replace_a_scenarios_memory_budget():
    """The paper scenario sizes its pool from 12 GiB of OPT-13B; --total-slots typed on top is
    the pool, not silently overridden by the budget."""
    from fragtui.cli.parser import build_parser, params_from

    params = params_from(build_parser().parse_args(["report", "--scenario", "paper", "--total-slots", "8192"]))
    assert (params.total_slots, params.kv_memory) == (8192, None)
    assert params_from(build_parser().parse_args(["report", "--scenario", "paper"])).total_slots == 15728
