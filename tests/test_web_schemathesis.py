"""The API agrees with its own OpenAPI document under Schemathesis, in-process against the WSGI app.

Schemathesis's engine (what ``schemathesis run`` drives) runs its coverage and fuzzing phases with every check it has,
on valid (positive) and invalid (negative) data: no 5xx, no status, content type, header or body outside the
document, no valid request refused, no invalid request accepted (an empty ``niveau=`` or ``jaar=``, a parameter given
twice, a year of Unicode digits), no method other than GET accepted. Seeded and deterministic, a bounded number of
examples, no network, no Hypothesis database. (Its pytest plugin's lazy fixture loader does not run under pytest 9,
so the test drives the engine itself.)
"""

from __future__ import annotations

import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from atlas.web import create_app

CONFIG = {
    "seed": 20240612,
    "generation": {"max-examples": 40, "database": "none", "deterministic": True},
    "phases": {"coverage": {"generate-duplicate-query-parameters": True, "unexpected-methods": ["POST", "PUT"]}},
}


def _failures(event: events.ScenarioFinished) -> list[str]:
    out = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status == Status.SUCCESS:
                continue
            case = event.recorder.cases[case_id].value
            title = check.failure_info.failure.title if check.failure_info else ""
            out.append(f"{event.phase} {check.name}: {title} | {case.method} {case.formatted_path} {case.query}")
    return out


def test_the_api_agrees_with_its_document(demo_build):
    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 64})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    failures: list[str] = []
    checks: set[str] = set()
    tested: dict[str, set[str]] = {}
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            failures.extend(_failures(event))
            if event.status == Status.ERROR:
                failures.append(f"{event.phase} {event.label}: error")
            if event.recorder.cases:
                tested.setdefault(event.label or "", set()).add(str(event.phase))
            checks |= {check.name for found in event.recorder.checks.values() for check in found}
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"engine error: {event}")
    assert not failures, "\n".join(failures)
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    operations = {f"GET {path}" for path in paths if path != "/api/openapi.json"}  # Schemathesis skips its source
    assert {label for label, phases in tested.items() if {"coverage", "fuzzing"} <= phases} == operations
    assert {"not_a_server_error", "status_code_conformance", "response_schema_conformance"} <= checks
    assert {"negative_data_rejection", "positive_data_acceptance", "unsupported_method"} <= checks
