"""Background scoring: decay engagement and apply the definition in force to every open lead;
retrain the predictive model and give open leads their win probability."""

from django_tasks import task


@task()
def rescore_all() -> dict[str, int]:
    """Periodic and after a rule or definition change. Idempotent: a second run changes nothing."""
    from truce.funnel.services.qualification import refresh_open_leads

    changed, qualified = refresh_open_leads()
    return {"rescored": changed, "qualified": qualified}


@task()
def retrain_model() -> dict[str, int]:
    """Periodic (TRUCE_RETRAIN_EVERY_SECONDS). Idempotent: the same closed leads train no new
    version; too few outcomes is no error here, just nothing to do yet."""
    from .predictive.services import retrain_if_changed

    model = retrain_if_changed()
    return {"version": model.version if model else 0}


@task()
def predict_open_leads() -> dict[str, int]:
    """Periodic (TRUCE_PREDICT_EVERY_SECONDS) and after each training; idempotent."""
    from .models import PredictiveModel
    from .predictive import services

    if not PredictiveModel.objects.exists():
        return {"changed": 0}
    return {"changed": services.predict_open_leads()}
