from truce.errors import Conflict


class TooFewOutcomes(Conflict):
    """Training refused: too few won or too few lost leads to learn from and to test on."""

    code = "too_few_outcomes"


class NoModel(Conflict):
    code = "no_model"
