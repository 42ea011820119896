from django.core.management.base import BaseCommand, CommandError

from billing.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Checks every wallet against its ledger; exits non-zero on any mismatch."

    def handle(self, *args, **options):
        problems = ledger_mismatches()
        for wallet, problem in problems:
            self.stderr.write(f"{wallet.holder} (credito {wallet.pk}): {problem}")
        if problems:
            raise CommandError(f"{len(problems)} discrepanze tra crediti e movimenti.")
        self.stdout.write("Ledger OK: ogni saldo è la somma dei suoi movimenti.")
