"""Helpers for testing with the model layer, out of its hot path: an OpenAI-compatible fake server on
127.0.0.1 (``fake_server``) and a transport that answers from hand-written answer files
(``answers``). The layer's own modules never import this package."""
