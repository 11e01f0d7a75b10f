class ServiceError(Exception):
    """A rule refused the change. `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class NotVerified(ServiceError):
    """The account's address is not verified and the site's setting (UNVERIFIED_MAY) refuses
    this action: unlike a ban, the form is shown again with what was typed."""

    def __init__(self, message: str):
        super().__init__(message, status=403)
