"""The pension pages: the clerks' queue (maker-checker refused on the page, then approved by the
second clerk), and the citizen's "my pension" with "authenticate now"; both languages; CSRF."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from shebao.benefits.pension import service
from shebao.db.engine import transaction
from tests.benefits.pension.world import contribute, desk, fund_pool, user
from tests.helpers import add_person, add_user
from tests.web.test_pages import _login


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_queue_and_my_pension_pages(client: TestClient, database_url: str) -> None:
    world = desk(database_url)
    person = add_person(database_url, "周桂兰", "510104", date(1966, 5, 9), 182)
    contribute(database_url, world.employer, [person], {"2020-12": 600000}, date(2020, 12, 1))
    fund_pool(database_url)
    add_user(database_url, "citizen-zhou", "citizen", "510104", person_id=person)

    _login(client, "citizen-zhou")
    before = client.get("/pension")
    assert before.status_code == 200 and 'data-testid="estimate"' in before.text
    client.cookies.clear()

    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        made = service.create_application(db, maker, service.ApplicationInput(
            person_id=person, original_age_years=55, deemed_months=240,
            deemed_basis="teacher, public institution service before 2014-10"))
        service.submit(db, maker, made.id)
        app_id = made.id

    _login(client, "clerk-jinjiang")
    queue = client.get("/pension/queue")
    assert f'data-testid="application-{app_id}"' in queue.text
    assert "510104********" in queue.text  # identity number masked
    refused = client.post(f"/pension/applications/{app_id}/decide",
                          data={"decision": "approve", "csrf_token": _csrf(queue.text)})
    assert refused.status_code == 422 and "maker-checker" in refused.text
    no_token = client.post(f"/pension/applications/{app_id}/decide",
                           data={"decision": "approve", "csrf_token": "wrong"})
    assert no_token.status_code == 403
    client.cookies.clear()

    _login(client, "clerk-chengdu")
    client.cookies.set("shebao_lang", "en")
    queue = client.get("/pension/queue")
    assert "Retirement applications to check" in queue.text
    done = client.post(f"/pension/applications/{app_id}/decide", follow_redirects=False,
                       data={"decision": "approve", "reason": "file checked",
                             "csrf_token": _csrf(queue.text)})
    assert done.status_code == 303
    assert f'data-testid="application-{app_id}"' not in client.get("/pension/queue").text
    client.cookies.clear()

    _login(client, "citizen-zhou")
    mine = client.get("/pension")
    assert 'data-testid="award"' in mine.text and 'data-testid="authentication"' in mine.text
    assert "立即认证" in mine.text
    ok = client.post("/pension/authenticate", data={"csrf_token": _csrf(mine.text)},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert "认证成功" in client.get("/pension?done=1").text
