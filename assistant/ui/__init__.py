"""The web chat: the Gradio app (the only gradio import) and its rendering."""
