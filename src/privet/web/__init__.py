"""Server-rendered web interfaces: the subscribers' privacy center (/privacy) and the staff console (/console)."""

from privet.web.console import router as console_router
from privet.web.console_abuse import router as console_abuse_router
from privet.web.console_plots import router as console_plots_router
from privet.web.console_policy import router as console_policy_router
from privet.web.console_requests import router as console_requests_router
from privet.web.privacy import router as privacy_center_router
from privet.web.privacy_account import router as privacy_account_router

__all__ = [
    "console_abuse_router",
    "console_plots_router",
    "console_policy_router",
    "console_requests_router",
    "console_router",
    "privacy_account_router",
    "privacy_center_router",
]
