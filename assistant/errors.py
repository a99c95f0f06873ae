"""Typed exceptions: every failure a user can meet names what went wrong and what to do."""
from __future__ import annotations


class AssistantError(Exception):
    """Base class; str(exc) is a message fit for a user, with the fix."""


class ModelError(AssistantError):
    """A model file is missing, corrupt or cannot be loaded."""


class StoreError(AssistantError):
    """The vector store is missing, unreachable or was built with another embedder."""


class InputError(AssistantError, ValueError):
    """A question or an article the assistant cannot take as given."""


class LLMError(AssistantError):
    """The language model endpoint is down, slow or answered with an error."""
