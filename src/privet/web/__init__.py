"""Server-rendered web interfaces: the subscribers' privacy center (/privacy) and the staff console (/console)."""

from privet.web.console import router as console_router
from privet.web.privacy import router as privacy_center_router

__all__ = ["console_router", "privacy_center_router"]
