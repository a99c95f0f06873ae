"""Adversarial reliability — Faults: missing or corrupt models, endpoints down or slow or wrong, a damaged store."""
from reliability import *  # noqa: F401,F403 (fakes, fixtures, helpers shared by test_reliability_*)


# ==== 5. Failures ===============================================================================
# Elsewhere: ensure_llm on a missing / non-GGUF user file -> ModelError: test_models::test_user_llm_path_missing_or_not_gguf;
# LLM endpoint down / slow -> LLMError from the API: test_remote::test_llm_endpoint_down_is_an_llm_error,
# test_remote::test_slow_llm_endpoint_times_out_as_an_llm_error (slow); an LLMError or any error in the UI, app
# stays up: test_ui::test_an_error_is_shown_and_the_next_question_is_answered; Chroma server unreachable ->
# StoreError / CLI exit 2 / UI message: test_remote::test_unreachable_server_is_a_store_error_naming_it,
# test_remote::test_cli_exits_non_zero_with_that_message, test_remote::test_server_lost_after_start_is_a_store_error,
# test_ui::test_an_unreachable_store_appears_in_the_chat.

@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("gguf")
    files = {"missing": tmp / "absent.gguf", "junk": tmp / "junk.gguf", "magic_then_junk": tmp / "magic.gguf",
             "truncated": tmp / "truncated.gguf"}
    files["junk"].write_bytes(np.random.default_rng(2).bytes(4096))
    files["magic_then_junk"].write_bytes(b"GGUF" + np.random.default_rng(3).bytes(4096))
    real = Settings().gguf_path
    if real.is_file():  # an interrupted copy of the real model: a valid header, the tensors cut off
        with open(real, "rb") as src:
            files["truncated"].write_bytes(src.read(2 << 20))
    return files


@pytest.mark.parametrize("kind, says", [
    ("missing", "which does not exist"), ("junk", "which is not a GGUF file"),
    ("magic_then_junk", "could not be loaded"), ("truncated", "could not be loaded"),
])
def test_cli_reports_a_missing_or_corrupt_model_file_and_exits_2(tmp_path, model_files, kind, says):
    path = model_files[kind]
    if kind == "truncated" and not path.exists():
        pytest.skip("the bundled GGUF is not prepared")
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(tmp_path / "store"), "ASSISTANT_LLM_PATH": str(path),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], env=env, capture_output=True,
                          text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr[-2000:])
    assert done.stderr.startswith("error: ") and str(path) in done.stderr and says in done.stderr
    assert "ASSISTANT_LLM_PATH" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["missing", "magic_then_junk"])
def test_api_raises_model_error_and_the_ui_shows_it_and_stays_up(seeded, embeddings, model_files, monkeypatch, kind):
    monkeypatch.setattr(llm, "_LOCAL", {})
    monkeypatch.setattr(llm, "_LOCAL_LOCKS", {})
    assistant = make(seeded, embeddings, llm_path=model_files[kind])
    for call in (assistant.answer, lambda q: list(assistant.stream_answer(q))):
        with pytest.raises(ModelError, match=re.escape(str(model_files[kind]))):
            call(QUESTION)
    warmup = Warmup(assistant).start()
    handlers = Handlers(assistant, warmup)
    for _ in range(2):  # a second question after the first failed: still an answer in the chat, no exception
        *_, (_, chat, history) = handlers.respond(QUESTION, [], [])
        assert chat[-1]["content"].startswith("⚠️") and "ASSISTANT_LLM_PATH" in chat[-1]["content"]
        assert history == []
        text, _ = handlers.ask(QUESTION, [])
        assert text.startswith("⚠️") and str(model_files[kind]) in text
    assert warmup.done.is_set() and isinstance(warmup.error, ModelError)
    assert warmup.status().startswith("**Not ready:**") and "ASSISTANT_LLM_PATH" in warmup.status()


@pytest.fixture
def sleepy():
    httpd, url = endpoint("sleep")
    yield url
    httpd.shutdown()
    httpd.server_close()


def test_cli_reports_an_llm_endpoint_down_and_exits_2(seeded, embeddings):
    url = f"http://{HOST}:{free_port()}/v1"
    result = cli(["ask", QUESTION], {"ASSISTANT_STORE_DIR": str(seeded.store_dir), "ASSISTANT_LLM_BASE_URL": url})
    assert result.exit_code == 2, result.output
    # the articles being read came first (retrieval needs no LLM), then the error, nothing else
    reading, error = result.stderr.split("\n", 1)
    assert reading.startswith("Reading: ") and "瑞安" in reading
    assert error.startswith(f"error: The LLM endpoint {url} failed") and "Traceback" not in result.output


def test_cli_reports_a_slow_llm_endpoint_as_a_timeout_and_exits_2(seeded, embeddings, sleepy):
    t0 = time.monotonic()
    result = cli(["ask", QUESTION], {"ASSISTANT_STORE_DIR": str(seeded.store_dir), "ASSISTANT_LLM_BASE_URL": sleepy,
                                     "ASSISTANT_LLM_TIMEOUT": "1"})
    assert result.exit_code == 2, result.output
    assert "did not answer within the 1 s timeout (ASSISTANT_LLM_TIMEOUT)" in result.stderr
    assert "Traceback" not in result.output and time.monotonic() - t0 < 60


def test_ui_shows_a_real_unreachable_endpoint_and_answers_again(seeded, embeddings):
    url = f"http://{HOST}:{free_port()}/v1"
    assistant = make(seeded, embeddings, llm_base_url=url)
    handlers = Handlers(assistant, Warmup(assistant))
    for _ in range(2):
        *_, (_, chat, history) = handlers.respond(QUESTION, [], [])
        assert chat[-1]["content"].startswith(f"⚠️ The LLM endpoint {url} failed") and history == []


@pytest.mark.parametrize("mode", ["html", "sse"])
def test_an_endpoint_answering_something_else_is_an_llm_error(seeded, embeddings, mode):
    httpd, url = endpoint(mode)
    try:
        with pytest.raises(LLMError, match=re.escape(url)):
            make(seeded, embeddings, llm_base_url=url, llm_timeout=5).answer(QUESTION)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("damage", ["not_a_database", "a_file_not_a_folder"])
def test_a_damaged_embedded_store_is_a_store_error_and_a_cli_message(tmp_path, damage):
    store = tmp_path / "store"
    if damage == "not_a_database":
        store.mkdir()
        (store / "chroma.sqlite3").write_bytes(b"this is not sqlite " * 512)
    else:
        store.write_text("a file where the store folder should be")
    with pytest.raises(StoreError, match=re.escape(str(store))):
        Assistant(Settings(store_dir=store), embeddings=HashEmbeddings()).search(QUESTION)
    result = cli(["search", QUESTION], {"ASSISTANT_STORE_DIR": str(store)})
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
