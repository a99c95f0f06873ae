"""From passages to a checked answer: evidence, prompts, the pipeline, citations and refusals."""
