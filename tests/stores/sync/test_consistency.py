"""The consistency rules' runner: report states, one failing store not hiding the other rules, quality."""

from __future__ import annotations

import math

from server.runtime import Stores
from stores.analytics.base import AnalyticsSettings
from stores.analytics.disabled import DisabledBackend
from stores.redis.settings import SimulationSettings
from stores.sync import consistency
from stores.sync.consistency import CheckTargets, Finding, RuleReport
from stores.sync.simulation_sync import SimulationSync
from stores.sync.simulations import SimulationDomain
from tests.server.catalog.support import Catalog


def test_a_report_is_passed_findings_repaired_or_error() -> None:
    assert RuleReport("r").status == "passed"
    found = RuleReport("r", [Finding("k", ["a", "b", "c"], repaired=1)])
    assert (found.count, found.repaired, found.status) == (3, 1, "findings")
    assert RuleReport("r", [Finding("k", ["a"], repaired=1)]).status == "repaired"
    assert RuleReport("r", [Finding("k", ["a"])], error="boom").status == "error"
    assert Finding("k", ["a", "b", "c"]).examples(2) == ["a", "b"]


def _targets(stores: Stores, *, analytics_off: bool = False) -> CheckTargets:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    analytics = DisabledBackend(AnalyticsSettings()) if analytics_off else stores.analytics
    return CheckTargets(stores.postgres, stores.graph, analytics, SimulationSync(domain))


async def test_a_rule_whose_store_fails_reports_an_error_and_the_others_still_run(stores: Stores) -> None:
    reports = await consistency.run(_targets(stores, analytics_off=True),
                                    ["analytics_accuracy", "content_validation"])
    assert [r.rule for r in reports] == ["analytics_accuracy", "content_validation"]
    assert reports[0].status == "error" and "ANALYTICS" in reports[0].error.upper()
    assert reports[1].error == "" and reports[0].duration_ms >= 0


async def test_every_rule_runs_against_the_real_stores_without_error(stores: Stores) -> None:
    reports = await consistency.run(_targets(stores), consistency.RULES)
    assert [r.rule for r in reports] == list(consistency.RULES)
    assert [r.error for r in reports] == [""] * len(consistency.RULES)


async def test_recent_quality_averages_datasets_validated_today(cat: Catalog, stores: Stores) -> None:
    await cat.dataset(validated=True, quality_score=0.5)
    quality = await consistency.recent_quality(stores.postgres)
    assert not math.isnan(quality) and 0.0 <= quality <= 1.0
