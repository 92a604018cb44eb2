"""`truce scoring train|predict|models`: predictive scoring from the command line."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from truce.errors import DomainError
from truce.scoring.predictive import selectors, services


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class Command(BaseCommand):
    help = (
        "Predictive scoring. `train` trains the next model version on the closed leads and "
        "predicts the open ones; `predict` re-predicts open leads; `models` lists versions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="Train the next model version now.")
        train.add_argument("--as", dest="username", help="the user the training is recorded as")
        sub.add_parser("predict", help="Give every open lead its probability from the newest.")
        sub.add_parser("models", help="List the model versions, newest first.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _train(self, options: dict[str, Any]) -> None:
        model = services.train_model(actor=self._actor(options.get("username")))
        changed = services.predict_open_leads()
        self.stdout.write(
            f"model v{model.version}: {model.training_size} closed leads ({model.won_count} won, "
            f"{model.lost_count} lost), held-out AUC {model.auc:.3f}; {changed} predictions"
        )
        self.stdout.write("threshold  volume  precision  recall")
        for row in model.metrics["thresholds"]:
            self.stdout.write(
                f"{row['threshold']:>9.0%}  {row['volume']:>6}  "
                f"{_percent(row['precision']):>9}  {_percent(row['recall']):>6}"
            )

    def _predict(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{services.predict_open_leads()} predictions changed")

    def _models(self, options: dict[str, Any]) -> None:
        for model in selectors.models():
            self.stdout.write(
                f"v{model.version}  {model.trained_at:%Y-%m-%d %H:%M}  "
                f"{model.training_size} leads  AUC {model.auc:.3f}"
            )

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None  # the system
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user
