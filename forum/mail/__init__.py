"""Email: composing at sending time (`compose`), transports (`transport`) and the queue
the worker drains (`outbox`). Nothing here runs inside a web request."""
