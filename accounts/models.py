from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .actor import actor_current


class User(AbstractUser):
    """Staff sign in with a username and password; a holder's user has no usable password
    and is reached only through one of the holder's mailboxes (accounts.backends)."""


class Holder(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="holder")
    first_name = models.CharField(_("nome"), max_length=100)
    last_name = models.CharField(_("cognome"), max_length=100)
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, unique=True)
    email = models.EmailField(_("e-mail di riferimento"))
    phone = models.CharField(_("telefono"), max_length=30, blank=True)
    street = models.CharField(_("indirizzo"), max_length=200, blank=True)
    postal_code = models.CharField(_("CAP"), max_length=5, blank=True)
    city = models.CharField(_("città"), max_length=100, blank=True)
    province = models.CharField(_("provincia"), max_length=2, blank=True)
    country = models.CharField(_("nazione"), max_length=2, default="IT")
    company_name = models.CharField(_("ragione sociale"), max_length=200, blank=True)
    vat_number = models.CharField(_("partita IVA"), max_length=11, blank=True)
    sdi_code = models.CharField(_("codice destinatario"), max_length=7, blank=True)
    invoice_pec = models.EmailField(_("PEC per fatture"), blank=True)
    language = models.CharField(_("lingua"), max_length=5, default="it")
    # Up to ALERT_EMAILS_MAX more addresses for the expiry alerts and deactivation notices, as a
    # list on the row: the alert scan loads them with the holders it locks, at no extra query.
    alert_emails = models.JSONField(_("altri destinatari degli avvisi"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("titolare")
        verbose_name_plural = _("titolari")
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.fiscal_code})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class HolderCounts(models.Model):
    """How many mailboxes and operations a holder has, kept by PostgreSQL triggers on those two
    tables (migration 0002), so the long lists print their totals without a COUNT(*) over thousands
    of rows on every page. Elsewhere it stays empty (accounts.selectors.holder_counts_kept). Django
    writes it only to repair it (``recount_holders``). No foreign-key constraint: a deleted
    holder's triggers may still touch its row."""

    holder = models.OneToOneField(Holder, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False,
                                  related_name="counts")
    mailboxes = models.BigIntegerField(db_default=0)
    operations = models.BigIntegerField(db_default=0)
    # How many statements have changed what the holder's renewal forecast reads (its mailboxes and
    # add-ons, the prices of their plans and add-on types): the triggers of renewals' migration
    # 0005 add to it, and the forecast cached under the old figure is then simply never asked for.
    renewal_changes = models.BigIntegerField(db_default=0)


class Operation(models.Model):
    """One line of Esito Operazioni (SPEC 3.8). The address is a snapshot, so the log keeps
    reading right after a mailbox is renamed or terminated."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("Ricarica")
        ORDER = "order", _("Ordine")
        RENEWAL = "renewal", _("Rinnovo")
        DEACTIVATION = "deactivation", _("Disattivazione")
        STATUS = "status", _("Cambio stato")
        PASSWORD = "password", _("Cambio password")
        PROFILE = "profile", _("Modifica dati")
        ADJUSTMENT = "adjustment", _("Rettifica credito")
        USERS = "users", _("Utenti")

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completato")
        PENDING = "pending", _("In attesa di pagamento")
        CANCELLED = "cancelled", _("Annullato")
        FAILED = "failed", _("Fallito")

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="operations")
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    mailbox_address = models.CharField(max_length=254, blank=True)
    description = models.CharField(max_length=300)
    amount_cents = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.COMPLETED)
    # Lets the service that started an operation (a top-up, an order) settle its outcome later.
    reference = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # The delegated user (their e-mail, a snapshot like the address) who made it; empty for the
    # holder's own mailbox login, staff and the nightly jobs.
    actor = models.CharField(_("utente"), max_length=254, blank=True, default=actor_current, db_default="")

    class Meta:
        verbose_name = _("operazione")
        verbose_name_plural = _("operazioni")
        indexes = [
            models.Index(fields=["holder", "-created_at", "-id"]),
            models.Index(fields=["holder", "kind", "-created_at", "-id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description}"



class ApiToken(models.Model):
    """A key a holder's own systems use on the API (/api/v1/, docs/api.md). Only a hash of the key is
    kept: the key is shown once, when made. ``prefix`` is the key's public part, unique, so a request
    finds its token by index and compares the hash in constant time. Made by the holder on the
    profile page for now; a person acting for the holder would be one more column."""

    class Scope(models.TextChoices):
        READ = "read", _("Lettura")
        ORDERS = "read+orders", _("Lettura e ordini")

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nome"), max_length=60)
    scope = models.CharField(_("permessi"), max_length=20, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        indexes = [models.Index(fields=["holder", "-created_at"])]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def can_order(self):
        return self.scope == self.Scope.ORDERS


class Role(models.TextChoices):
    """What a delegated user may change (accounts.roles); every role sees every page."""

    ADMINISTRATION = "amministrazione", _("amministrazione")
    TECHNICAL = "tecnico", _("tecnico")
    READ_ONLY = "lettura", _("lettura")


class Delegate(models.Model):
    """A person the holder let into the portal under their own e-mail address, with a role.

    The user row exists from the invitation on, inactive and without a password until the person
    sets one and enrols a TOTP device through the link; only the link's SHA-256 is stored. Revoking
    keeps the row (the operations name the e-mail) and bumps ``session_version``, which
    accounts.middleware.DelegateSessionMiddleware compares on every request."""

    Role = Role

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="delegates")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="delegate")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("ruolo"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_at = models.DateTimeField(_("invitato il"))
    token_expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(_("attivato il"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    session_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("utente delegato")
        verbose_name_plural = _("utenti delegati")
        constraints = [
            # The e-mail is a login name: one person, one portal at a time.
            models.UniqueConstraint(Lower("email"), condition=models.Q(revoked_at__isnull=True),
                                    name="delegate_email_unique_while_not_revoked"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="delegate_known_role"),
        ]

    def __str__(self):
        return f"{self.email} ({self.role})"
