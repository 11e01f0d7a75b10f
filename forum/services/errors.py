class ServiceError(Exception):
    """A rule refused the change. `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
