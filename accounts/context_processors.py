from django.conf import settings


def portal(request):
    return {
        "WEBMAIL_URL": settings.WEBMAIL_URL,
        "GESTIONEMAIL_URL": settings.GESTIONEMAIL_URL,
        "login_mailbox": getattr(request, "login_mailbox", None),
        "portal_delegate": getattr(request, "delegate", None),
    }
