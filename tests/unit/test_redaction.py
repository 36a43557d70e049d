import logging

from acf import redaction


class _Conn:
    password = "plain-secret-value-123"
    extra_dejson = {"access_token": "tok/abc+def=987", "page_id": "1234567890", "account": "brand"}


def test_registered_connection_secrets_are_masked_by_value_and_url_form():
    redaction.register_connection(_Conn())
    out = redaction.redact("echo: plain-secret-value-123 / tok/abc+def=987 / page 1234567890"
                           " / in a URL: tok%2Fabc%2Bdef%3D987 / in a form: tok%2Fabc%2Bdef%3D987")
    assert "plain-secret-value-123" not in out and "tok/abc+def=987" not in out
    assert "%2Fabc" not in out
    assert "1234567890" in out            # a page id is not a secret


def test_shapes_of_keys_never_seen_are_masked():
    out = redaction.redact("GET /v?key=AIzaUnseen123&x=1 Authorization: Bearer abc.def sk-proj-unseen99 "
                           "client_secret=zzz")
    assert "AIzaUnseen123" not in out and "abc.def" not in out and "sk-proj-unseen99" not in out
    assert "zzz" not in out and "x=1" in out


def test_library_debug_logs_are_rewritten_before_handlers(caplog):
    redaction.register("lib-logged-secret-42")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").debug('"GET /t?token=%s HTTP/1.1" 200', "lib-logged-secret-42")
    assert "lib-logged-secret-42" not in caplog.text
    assert "GET /t?token=***" in caplog.text


def test_short_or_empty_values_are_not_registered():
    redaction.register("", None, "abc")
    assert redaction.redact("abc is a word") == "abc is a word"
