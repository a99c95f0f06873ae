"""Adversarial reliability — Concurrency: the API from many threads, the model lock on every path, the UI."""
from reliability import *  # noqa: F401,F403 (fakes, fixtures, helpers shared by test_reliability_*)
from assistant.types import Sources


# ==== 4. Concurrency ============================================================================
# Elsewhere: 5 concurrent UI sessions each keep their own history ->
# test_ui::test_five_concurrent_sessions_keep_their_own_history. Here: the API from 20 threads, the
# model lock on both paths (injected model, the product's local-model path) and through the UI.

def test_twenty_concurrent_answers_equal_serial_ones_keep_their_history_and_never_overlap_in_the_model(
        seeded, embeddings):
    model = ProbeModel(hold=0.02)
    assistant = make(seeded, embeddings, model)
    questions = [QUESTIONS[i] for i in (0, 2, 3, 4)]  # zh-Hans, en, ja, zh-Hant
    serial = {q: assistant.answer(q) for q in questions}  # one at a time first (this also warms the caches)
    assert sum(not a.refused for a in serial.values()) >= 3  # most reach the model
    jobs = [(questions[i % len(questions)], f"tag{i:02d}") for i in range(20)]
    start = threading.Barrier(len(jobs))

    def ask(job):
        question, tag = job
        start.wait()
        return assistant.answer(question, [("user", f"Earlier question {tag}?"), ("assistant", f"Reply {tag}.")])

    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(ask, jobs, timeout=600))
    assert model.max_inside == 1  # the injected model got Chat's own lock: never two threads inside
    for (question, _), result in zip(jobs, results):
        want = serial[question]
        assert (result.text, result.refused, result.citations) == (want.text, want.refused, want.citations)
    condensed = model.condense_prompts()
    assert len(condensed) == 20
    for prompt in condensed:  # each rewrite saw its own conversation and no other
        assert len(set(re.findall(r"tag\d\d", prompt))) == 1, prompt


def test_every_assistant_on_the_local_model_shares_its_lock(seeded, embeddings, local_probe):
    first, second = make(seeded, embeddings), make(seeded, embeddings)
    assert first.chat.model is second.chat.model is local_probe and len(local_probe.loads) == 1
    assert first.chat.lock is second.chat.lock is llm.model_lock(seeded)
    pool_args = [(first if i % 2 else second, QUESTIONS[i % len(QUESTIONS)]) for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(len(pool_args)) as pool:
        results = list(pool.map(lambda job: job[0].answer(job[1]), pool_args, timeout=600))
    assert all(isinstance(r, Answer) for r in results)
    assert local_probe.max_inside == 1 and len(local_probe.answer_prompts()) >= 6


def test_one_injected_model_shared_by_two_assistants_is_never_entered_twice(seeded, embeddings):
    model = ProbeModel(rendezvous=3.0)
    pair = [make(seeded, embeddings, model), make(seeded, embeddings, model)]
    start = threading.Barrier(2)

    def ask(assistant):
        start.wait()
        return assistant.answer(QUESTION)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(ask, pair, timeout=120))
    assert model.max_inside == 1


def test_an_abandoned_stream_holds_the_model_until_it_is_closed(seeded, embeddings):
    model = ProbeModel()
    assistant = make(seeded, embeddings, model)
    stream = assistant.stream_answer(QUESTION)
    assert isinstance(next(stream), Sources)  # retrieval done, no model held yet
    assert isinstance(next(stream), str)  # suspended inside the generation, holding the model
    other = concurrent.futures.ThreadPoolExecutor(1)
    pending = other.submit(assistant.answer, QUESTION)
    time.sleep(3)
    assert not pending.done() and model.max_inside == 1  # the second caller waits for the model
    stream.close()
    assert not pending.result(timeout=60).refused
    other.shutdown()
    assert model.max_inside == 1


def test_five_ui_sessions_at_once_never_enter_the_model_together(ui):
    from gradio_client import Client

    app, _, model = ui
    url = app.local_url
    tags = ["alpha", "bravo", "charlie", "delta", "echo"]

    def session(tag):
        client = Client(url, verbose=False)
        return [client.predict(f"{QUESTION} {tag}", api_name="/ask"),
                client.predict(f"{QUESTIONS[1]} {tag}", api_name="/ask")]

    with concurrent.futures.ThreadPoolExecutor(len(tags)) as pool:
        results = list(pool.map(session, tags, timeout=600))
    assert all(not text.startswith("⚠️") for pair in results for text in pair), results
    assert model.max_inside == 1
    assert len(model.condense_prompts()) >= 5
