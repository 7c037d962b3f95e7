"""The default deal stages (立项 → 签约) shipped with the product; admins may change them."""

DEFAULT_STAGES = (
    # code, Chinese name, English name, order, win probability %
    ("establishment", "立项", "Establishment", 1, 10),
    ("needs", "需求分析", "Needs analysis", 2, 20),
    ("solution", "方案", "Solution", 3, 40),
    ("bid", "投标", "Bid", 4, 60),
    ("negotiation", "商务谈判", "Negotiation", 5, 80),
    ("contract", "签约", "Contract", 6, 90),
)
