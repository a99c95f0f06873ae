"""Adversarial reliability — Exposure: the UI listens on loopback only and serves no file outside the app."""
from reliability import *  # noqa: F401,F403 (fakes, fixtures, helpers shared by test_reliability_*)


# ==== 6. Exposure ===============================================================================
# Elsewhere: /file=, /gradio_api/file= (plain, %-encoded, ../, the gradio temp dir), /static/.., /assets/..
# for /etc/passwd and the project's pyproject.toml -> test_ui::test_files_outside_the_app_cannot_be_read.

def test_the_ui_listens_on_loopback_only_even_when_gradio_env_says_0000(ui):
    import psutil

    app, port, _ = ui
    assert app.server_name == "127.0.0.1"
    listening = [c.laddr.ip for c in psutil.Process().net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening == ["127.0.0.1"]
    others = [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
              if a.family == socket.AF_INET and not a.address.startswith("127.")]
    for address in others:  # this machine's other addresses get no answer
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


def test_cli_serve_binds_to_loopback_by_default(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr("assistant.ui.app.launch", lambda assistant, host, port, ingest: seen.update(host=host, port=port))
    result = cli(["serve", "--no-ingest"], {"ASSISTANT_STORE_DIR": str(tmp_path / "store"),
                                            "GRADIO_SERVER_NAME": "0.0.0.0"})
    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 7860}


def _get(port: int, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"content-type": "application/json"} if body is not None else {})
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


@pytest.mark.parametrize("path, secret", [
    ("/gradio_api/file=/proc/self/environ", "PATH="),
    ("/gradio_api/file=/proc/self/cmdline", "python"),
    ("/gradio_api/file=//etc/passwd", "root:"),
    ("/gradio_api/file=/etc/./passwd", "root:"),
    ("/gradio_api/file=/etc/passwd%00.png", "root:"),
    ("/gradio_api/file=%252Fetc%252Fpasswd", "root:"),
    ("/gradio_api/file=..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "root:"),
    ("/gradio_api/file=..\\..\\..\\..\\..\\..\\etc\\passwd", "root:"),
    ("/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "root:"),
    ("/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", "root:"),
    ("/gradio_api/static/../../../../etc/passwd", "root:"),
    (f"/gradio_api/file={ROOT}/assistant/config.py", "class Settings"),
    (f"/gradio_api/file={Settings().model_cache}/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf.sha256.json", "sha256"),
])
def test_more_paths_outside_the_store_and_articles_cannot_be_read(ui, path, secret):
    _, port, _ = ui
    status, body = _get(port, path)
    assert status != 200 or secret not in body, (status, body[:200])


def test_a_file_reference_in_an_api_payload_is_not_read(ui):
    _, port, _ = ui
    for payload in ({"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
                    {"path": "/etc/passwd", "url": "/gradio_api/file=/etc/passwd", "meta": {"_type": "gradio.FileData"}}):
        status, body = _get(port, "/gradio_api/call/ask", "POST", {"data": [payload]})
        assert "root:" not in body
        if status == 200:
            event = json.loads(body)["event_id"]
            _, stream = _get(port, f"/gradio_api/call/ask/{event}")
            assert "root:" not in stream, stream[:300]
    status, body = _get(port, "/gradio_api/file=/etc/passwd")
    assert status != 200 or "root:" not in body
