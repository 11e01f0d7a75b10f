"""A marked post's text for the tests and the demo's twin: about twenty sentences, most with two
or three places that vary (author alternatives and automatic ones)."""

SENTENCES = [
    "We trained {{a small|a compact}} model on 120,000 examples and found the effect quickly.",
    "However, the {{main|central}} method shows a large gap between the two probes.",
    "The gap appears often in {{later|deeper}} layers — and it grows with scale.",
    "For example, the {{probe|classifier}} separates the classes at layer twelve.",
    "We begin with the {{simplest|plainest}} setup, therefore the baseline is a linear map.",
    "This suggests that the {{feature|direction}} is stored early and read late.",
    "We asked whether the {{result|effect}} holds with 250000 prompts; it does.",
    "The {{second|next}} experiment is important because it rules out a confound.",
    "Our approach uses {{two|a pair of}} random seeds per configuration.",
    "The activations {{drift|shift}} rapidly during the first thousand steps.",
    "However, the {{final|last}} checkpoint shows the same {{pattern|structure}} as the first.",
    "We {{measured|recorded}} the loss on 64,000 held-out tokens.",
    "The {{ablation|knockout}} of one head often removes the whole behaviour.",
    "For example, {{head 4.2|the head at 4.2}} copies the subject — nothing else.",
    "Therefore the {{circuit|mechanism}} is narrow, and large models keep it.",
    "We {{release|publish}} no weights; the method is described in outline only.",
    "The {{dataset|corpus}} has 1,500,000 lines, frequently duplicated.",
    "It suggests a {{simple|plain}} test for the same mechanism in other models.",
    "We begin the {{appendix|supplement}} with the hyperparameters we changed.",
    "Thus the {{claim|conclusion}} rests on three independent measurements.",
]
BODY = "\n\n".join(SENTENCES)
