"""The Mooncake traces (FAST 2025): each prompt's blocks named by hash ids, read from the copies
shipped in the package (or any such file), mapped onto any block size that divides 512 or that
512 divides, and reused by the prefix cache as vLLM would."""

import gzip
import json
from pathlib import Path

import pytest

from fragtui.cli import main
from fragtui.sim.allocators.block_names import block_identities
from fragtui.sim.allocators.prefix_cache import PrefixCachingAllocator
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.workload.build import build_workload
from fragtui.sim.workload.requests import Request
from fragtui.sim.workload.traces import load_trace

DATA = Path(__file__).parents[1] / "fragtui" / "sim" / "data" / "mooncake"
CHAT, SYNTHETIC = str(DATA / "conversation_trace.jsonl.gz"), str(DATA / "synthetic_trace.jsonl.gz")


def test_the_shipped_copies_hold_what_the_data_readme_says():
    chat, synthetic = load_trace(CHAT), load_trace(SYNTHETIC)
    assert (len(chat), len(chat.hashes), len(set(chat.hashes))) == (12_031, 288_500, 182_790)
    assert (len(synthetic), len(synthetic.hashes), len(set(synthetic.hashes))) == (3_993, 121_877, 43_924)
    assert chat.kind == "mooncake" and chat.has_outputs and round(chat.seconds[-1]) == 3537
    assert sum(chat.prompts) / len(chat) == pytest.approx(12_035.1, abs=0.05)


def test_the_shipped_copy_is_the_shared_file_byte_for_byte():
    shared = Path(__file__).parents[2] / "shared" / "data" / "mooncake-fast25" / "conversation_trace.jsonl"
    if not shared.exists():
        pytest.skip("../shared is not here")
    assert gzip.decompress((DATA / "conversation_trace.jsonl.gz").read_bytes()) == shared.read_bytes()


def test_hash_ids_name_sub_blocks_and_whole_groups_and_never_a_partial_block():
    r = Request(7, 1024 + 100, 4096, hashes=(5, 9))  # two full 512-token blocks, then 100 own tokens
    at16 = block_identities(r, 16)
    assert at16[:2] == [5 * 512, 5 * 512 + 16] and at16[32] == 9 * 512 and len(at16) == 70
    assert at16[64:] == [(7, i) for i in range(64, 70)]  # the partial block's are the request's own
    assert block_identities(r, 512) == [5 * 512, 9 * 512]
    assert block_identities(r, 1024) == [-1 - 9]


def test_a_later_prompt_reuses_every_sub_block_of_the_shared_hash_blocks():
    pool = PrefixCachingAllocator(1 << 16, 16)
    pool.admit(Request(0, 1500, 4096, hashes=(1, 2)))
    outcome = pool.admit(Request(1, 1300, 4096, hashes=(1, 2)))
    assert outcome.reused == 64 and pool.hits == 64
    outcome = pool.admit(Request(2, 1300, 4096, hashes=(1, 3)))  # the same first block, another second
    assert outcome.reused == 32


def test_hits_on_the_real_trace_equal_a_brute_force_count():
    """With room for everything and nothing leaving, a request hits the longest run of its
    blocks, from the start, that earlier requests computed (never its last token's)."""
    params = Params(trace=CHAT, arrivals=300, total_slots=1 << 24, max_len=131_072, prefix_caching=True,
                    sides="paged").validated()
    requests = build_workload(params).requests
    seen: set[object] = set()
    expected = 0
    for r in requests:
        ids = block_identities(r, 16)
        run = 0
        while run < min(len(ids), (r.used - 1) // 16) and ids[run] in seen:
            run += 1
        expected += run
        seen.update(ids)
    pool = PrefixCachingAllocator(1 << 24, 16)
    for r in requests:
        pool.admit(r)
    assert pool.hits == expected and expected > 10_000


def test_a_trace_brings_its_own_prefixes_and_refuses_a_block_size_it_cannot_map(capsys):
    assert main(["report", "--trace", CHAT, "--prefix-caching", "--block-size", "24", "--max-len", "131072"]) == 2
    assert capsys.readouterr().err == (
        "fragtui: --block-size 24: a Mooncake trace names its prompt blocks per 512 tokens; with prefix caching a "
        "block size must divide 512 (1, 2, 4, …, 512) or be a multiple of it\n")
    assert main(["report", "--trace", CHAT, "--prefixes", "4:16", "--max-len", "131072"]) == 2
    assert "--prefixes '4:16': the trace names its own prompt blocks (hash_ids); drop --prefixes" in \
        capsys.readouterr().err


def row(**fields) -> str:
    base = {"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1, 2]}
    return json.dumps({**base, **fields})


@pytest.mark.parametrize("line, error", [
    (row(hash_ids=[1]), "t.jsonl:2: hash_ids has 1 ids for input_length 600; a row has ceil(600 / 512) = 2, "
                        "one per 512-token block"),
    (row(hash_ids=[1, "x"]), "t.jsonl:2: hash_ids[1] is '\"x\"': ids are whole numbers from 0 to"),
    (row(hash_ids=[1, -2]), "t.jsonl:2: hash_ids[1] is '-2'"),
    (row(input_length=0, hash_ids=[]), "t.jsonl:2: input_length is '0': a whole number of tokens from 1"),
    (row(timestamp=-5), "t.jsonl:2: timestamp is '-5': milliseconds from the trace's start"),
    ('{"timestamp": 0, "input_length": 3}', "t.jsonl:2: has no output_length; a Mooncake row has timestamp, "
                                            "input_length, output_length and hash_ids"),
    ("[1, 2]", "t.jsonl:2: is not a JSON object"),
])
def test_a_bad_row_is_one_line_naming_it(line, error, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.jsonl").write_text(row() + "\n" + line + "\n")
    with pytest.raises(FragtuiError) as caught:
        load_trace("t.jsonl")
    assert str(caught.value).startswith(error), str(caught.value)


def test_a_cut_gzip_file_is_one_line(tmp_path):
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes((DATA / "synthetic_trace.jsonl.gz").read_bytes()[:5000])
    with pytest.raises(FragtuiError, match="cut.jsonl.gz:.*cannot read"):
        load_trace(str(cut))


def test_the_capacity_curve_is_within_five_points_of_fig_9_at_every_capacity_the_issue_names():
    """Mooncake's Fig. 9, read from the vertices of its plotted lines in the paper's PDF; 3M
    tokens lies between two vertices, on the straight line the figure draws there."""
    from fragtui.sim.measures.capacity import capacity_curve, paper_hit_rate, prompts_of

    capacities = [10**4, 10**5, 10**6, 3 * 10**6, 10**7, 5 * 10**7, 10**9]
    for name, path in (("conversation", CHAT), ("synthetic", SYNTHETIC)):
        points, top = capacity_curve(prompts_of(load_trace(path)), capacities)  # (a core a replay where there are two)
        for point in points:
            theirs = paper_hit_rate(name, point.capacity_tokens)
            assert theirs is not None and abs(point.hit_rate - theirs) <= 0.05, (name, point, theirs)
        assert [p.hit_rate for p in points] == sorted(p.hit_rate for p in points)  # more room, more hits


def test_fig_9_is_read_on_its_line_and_nowhere_off_its_axis():
    from fragtui.sim.measures.capacity import paper_hit_rate, paper_level

    assert paper_hit_rate("synthetic", 10**6) == 0.146  # a vertex
    assert paper_hit_rate("synthetic", 3 * 10**6) == pytest.approx(0.235 + 0.146 * 0.58496, abs=1e-5)
    assert paper_hit_rate("conversation", 10**9) == paper_level("conversation") == 0.401
    assert paper_hit_rate("conversation", 9_999) is None and paper_hit_rate("azure", 10**6) is None


def test_a_replay_counts_hits_as_a_brute_force_lru_of_the_trace_blocks_does():
    """The capacity replay is the prefix cache; a cache of blocks with least-recently-freed
    eviction, written out here, must find the same tokens."""
    from collections import OrderedDict

    from fragtui.sim.measures.capacity import capacity_curve, prompts_of

    prompts = prompts_of(load_trace(SYNTHETIC))[:400]
    capacity = 200 * 512
    lru: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for r in prompts:
        need = -(-r.used // 512)
        run = 0
        while run < min(len(r.hashes), (r.used - 1) // 512) and r.hashes[run] in lru:
            run += 1
        if need - run > 200:  # larger than the cache: looked up in vain, stores nothing
            continue
        hits += run * 512
        for h in r.hashes[:run]:
            lru.pop(h)
        while len(lru) > 200 - need:  # room for the whole table, its own blocks included
            lru.popitem(last=False)
        for h in reversed(r.hashes):  # freed last block first: the first is the most recent
            lru.pop(h, None)
            lru[h] = None
    (point,), _ = capacity_curve(prompts, [capacity], workers=1)
    assert point.hit_tokens == hits and hits > 0


def test_the_capacity_command_prints_a_table_json_and_csv(capsys):
    assert main(["capacity", "--scenario", "mooncake-synthetic", "--capacities", "3M,1e9"]) == 0
    text = capsys.readouterr().out
    assert "3,000,000" in text and "Mooncake Fig. 9" in text and "every block kept" in text
    assert main(["capacity", "--trace", SYNTHETIC, "--capacities", "3M", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (point,) = data["capacities"]
    assert point["capacity_tokens"] == 3_000_000 and 0.26 < point["hit_rate"] < 0.36
    assert point["paper_hit_rate"] == pytest.approx(0.3204, abs=1e-4)
    assert main(["capacity", "--trace", SYNTHETIC, "--capacities", "10k,3M", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("capacity_tokens,hit_rate,share_of_max") and len(lines) == 3


@pytest.mark.parametrize("argv, error", [
    (["capacity", "--capacities", ""], "--capacities '': must be token counts from 512 to 1e12"),
    (["capacity", "--capacities", "0"], "'0': must be token counts"),
    (["capacity", "--capacities=-3M"], "'-3M': must be token counts"),
    (["capacity", "--capacities", "1M,1e6"], "names 1,000,000 twice"),
    (["capacity", "--scenario", "seed"], "--scenario 'seed': replays no trace"),
    (["capacity", "--trace", "tests/fixtures/azure_small.csv"], "names no prompt blocks"),
    (["capacity", "--trace", CHAT, "--scenario", "mooncake-chat"], "cannot be combined with --scenario"),
])
def test_bad_capacity_input_is_one_line(argv, error, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert error in err and err.count("\n") == 1


def test_vllms_gauges_beside_the_truth_in_the_vllm_gauges_scenario(capsys):
    """17-token requests at block 16 fill the pool at 128: vLLM's usage 100 %, the tokens 53.1 %;
    a 12-token shared prompt fills no block, so nothing is ever hit; at block 8 it is."""
    from fragtui.sim.config.scenarios import get_scenario
    from fragtui.report.runs import run_to_end

    params = get_scenario("vllm-gauges").build()
    (m,) = run_to_end(params, build_workload(params).events).metrics
    assert (m.admitted, m.kv_usage, round(m.utilization, 3), m.hit_rate) == (128, 1.0, 0.531, 0.0)
    (m8,) = run_to_end(params.with_(block_size=8), build_workload(params).events).metrics
    assert m8.admitted == 160 and m8.hit_tokens == 159 * 8 and m8.queried_tokens == 160 * 17
    assert main(["report", "--scenario", "vllm-gauges"]) == 0
    out = capsys.readouterr().out
    assert "  vLLM KV usage %                100.0" in out and "  hit rate %                       0.0" in out


def test_serving_reports_vllms_gauges_and_the_hit_rate_over_the_run(capsys):
    assert main(["report", "--scenario", "mooncake-synthetic", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    plain, cached = data["allocators"]["paged"], data["allocators"]["paged cache"]
    assert plain["hit_rate"] is None and 0.30 < cached["hit_rate"] < 0.45
    assert 0 < plain["kv_usage"] < 1 and cached["kv_usage"] <= plain["kv_usage"] + 0.01


def test_a_what_if_on_a_side_keeps_the_stream_and_still_checks_the_trace_blocks():
    from fragtui.sim.engines.event_engine import EventEngine

    engine = EventEngine(get_scenario("mooncake-chat").build(arrivals=300))
    workload = engine.workload
    engine.set_params(order="lifo")  # how memory is handed out: the same requests
    assert engine.workload is workload
    with pytest.raises(ParamError, match="block-size 48: a Mooncake trace"):  # 48 cannot map 512-token ids
        engine.set_params(block_size=48)
    assert engine.workload is workload and engine.params.order == "lifo"
    engine.set_params(seed=1)  # (a trace ignores the seed, but the stream is built anew)
    assert engine.workload is not workload
