"""The model's yes/no check of an answer against its cited passages (llm/adapters.yes_probability)."""
import math
import threading

import pytest
from langchain_core.messages import AIMessage

from assistant.answering.prompts import verify_messages
from assistant.config import Settings
from assistant.llm import adapters


def test_yes_share_normalises_yes_against_no_in_any_case_and_spacing():
    share = adapters._yes_share({"Yes": math.log(0.6), " yes": math.log(0.1), "No": math.log(0.2), "Maybe": math.log(0.1)})
    assert share == pytest.approx(0.7 / 0.9)
    assert adapters._yes_share({"Maybe": -0.1}) is None


class _Endpoint:
    """What ChatOpenAI.invoke returns from an OpenAI-compatible server, with or without log-probabilities."""

    def __init__(self, reply):
        self.reply, self.kwargs = reply, None

    def invoke(self, messages, **kwargs):
        self.kwargs = kwargs
        return self.reply


def test_remote_reads_the_top_logprobs_of_the_one_token_it_asks_for():
    top = [{"token": "Yes", "logprob": math.log(0.3)}, {"token": "No", "logprob": math.log(0.6)}]
    endpoint = _Endpoint(AIMessage("No", response_metadata={"logprobs": {"content": [
        {"token": "No", "logprob": math.log(0.6), "top_logprobs": top}]}}))
    assert adapters._remote_yes(endpoint, []) == pytest.approx(1 / 3)
    assert endpoint.kwargs["max_tokens"] == 1 and endpoint.kwargs["logprobs"] is True


@pytest.mark.parametrize("text, share", [("Yes.", 1.0), ("no", 0.0), ("I cannot say", None)])
def test_remote_without_logprobs_falls_back_to_the_word_it_wrote(text, share):
    assert adapters._remote_yes(_Endpoint(AIMessage(text)), []) == share


def test_a_chat_model_that_cannot_tell_gives_none():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    model = FakeListChatModel(responses=["Yes"])
    assert adapters.yes_probability(model, verify_messages("q", "a", ["p"]), Settings(), threading.Lock()) is None
    assert model.i == 0  # no response of a scripted fake is spent on it


CALIBRATED = 0.35  # the floor calibrated on the public sets (config.Tuning.verify_min_yes)
PASSAGE = "瑞安市已累计引进海内外高层次人才861名,柔性引进7家院士团队,建成9家博士后工作站。"


@pytest.mark.timeout(600)
def test_the_bundled_model_says_yes_to_a_stated_answer_and_no_to_an_unstated_one():
    """The real GGUF through the product's local path; the model still answers normally afterwards."""
    settings = Settings()
    model, lock = adapters.build_chat_model(settings), threading.Lock()
    stated = adapters.yes_probability(model, verify_messages("瑞安建成了多少家博士后工作站?", "瑞安建成了9家博士后工作站。",
                                                             [PASSAGE]), settings, lock)
    near = adapters.yes_probability(model, verify_messages("瑞安大会有多少名代表出席?", "瑞安大会有861名代表出席。",
                                                           [PASSAGE]), settings, lock)
    invented = adapters.yes_probability(model, verify_messages("瑞安市市长是谁?", "瑞安市市长是张伟。", [PASSAGE]),
                                        settings, lock)
    assert 0.0 <= invented < near < stated <= 1.0  # a count of other people scores between the two
    assert stated >= CALIBRATED > invented
    text = "".join(adapters.stream_text(model, [("human", "只回答数字:1+1=?")], settings, lock))
    assert "2" in text
