"""forum/infra/memo.py: a memo lives exactly as long as one request."""

from __future__ import annotations

from forum.infra.memo import forget, request_memo


def test_one_request_shares_its_memo_and_the_next_starts_empty(app):
    with app.app_context():
        # An app context that outlives requests (shells, the test client in a pushed
        # context) must not carry a memo from one request into the next.
        with app.test_request_context("/"):
            request_memo("demo")["answer"] = 42
            assert request_memo("demo") == {"answer": 42}
            assert request_memo("other") == {}
        with app.test_request_context("/"):
            assert request_memo("demo") == {}


def test_forget_drops_the_memo_inside_the_request(app):
    with app.test_request_context("/"):
        request_memo("demo")["answer"] = 42
        forget("demo")
        assert request_memo("demo") == {}


def test_outside_a_request_nothing_is_remembered(app):
    with app.app_context():
        request_memo("demo")["answer"] = 42
        assert request_memo("demo") == {}
