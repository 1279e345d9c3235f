"""One spelling rule for names on every option, and a suggestion for a near miss."""

import pytest

from fragtui.cli import main
from fragtui.sim.names import find, one_of


def test_case_dashes_and_underscores_do_not_matter_and_a_near_miss_is_named():
    assert find("Prefix_Cache", ["seed", "prefix-cache"]) == "prefix-cache"
    assert find("max-len", ["max_len"]) == "max_len"
    assert find("cache", ["prefix-cache"]) is None
    assert one_of("bets", ["first", "best"]) == "must be one of first, best; did you mean best?"
    assert one_of("zzz", ["first", "best"]) == "must be one of first, best"


@pytest.mark.parametrize("argv, spelt", [
    (["--scenario", "prefix_cache"], "prefix_caching=on"),
    (["--placement", "Best"], "placement=best"),
    (["--order", "LIFO"], "order=lifo"),
    (["--sides", "Paged,FIRST"], "sides=Paged,FIRST"),
    (["--model", "Llama_3_8B", "--kv-memory", "1GiB"], "total_slots=8192"),
])
def test_every_option_takes_a_name_however_it_is_spelt(capsys, argv, spelt):
    assert main(["report", *argv]) == 0
    assert spelt in capsys.readouterr().out


@pytest.mark.parametrize("argv, hint", [
    (["--scenario", "prefx-cache"], "did you mean prefix-cache?"),
    (["--placement", "bets"], "did you mean best?"),
    (["--sides", "paged,frist"], "did you mean first?"),
    (["--order", "lifoo"], "did you mean lifo?"),
])
def test_a_near_miss_is_refused_with_the_close_name(capsys, argv, hint):
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith(hint)
