"""The standard service catalogue every new bank starts with (the types named in DOMAIN.md).
Plain data, so the data migration can use it too."""

CATEGORY_EMOTIONAL, CATEGORY_ASSISTANCE, CATEGORY_COMPANIONSHIP = "emotional", "assistance", "companionship"
CATEGORY_RECREATION, CATEGORY_HEALTH, CATEGORY_LEGAL = "recreation", "health", "legal"
CATEGORY_TRAINING, CATEGORY_FRAUD, CATEGORY_PERSONAL = "training", "fraud", "personal"
ONE, GROUP = "one_to_one", "group"

# (code, 中文, English, category, mode, minutes, rate %, certificate) — the types of DOMAIN.md.
SEED_TYPES = [
    ("chat_visit", "聊天慰问", "Chat and visiting", CATEGORY_EMOTIONAL, ONE, 60, 100, ""),
    ("emotional_care", "精神关怀", "Emotional care", CATEGORY_EMOTIONAL, ONE, 60, 100, ""),
    ("performance", "文艺演出", "Performance", CATEGORY_RECREATION, GROUP, 90, 100, ""),
    ("finger_exercise", "健康手指操", "Finger exercises", CATEGORY_RECREATION, GROUP, 60, 100, ""),
    ("smart_device", "智能设备应用培训", "Smartphone training", CATEGORY_TRAINING, GROUP, 60, 100, ""),
    ("health_lecture", "养生讲座", "Health lecture", CATEGORY_HEALTH, GROUP, 60, 100, ""),
    ("fraud_prevention", "防范金融和网络风险", "Fraud prevention talk", CATEGORY_FRAUD, GROUP, 60,
     100, ""),
    ("meal_help", "助餐送餐", "Meal help and delivery", CATEGORY_ASSISTANCE, ONE, 60, 100, ""),
    ("cleaning", "助洁", "Cleaning", CATEGORY_ASSISTANCE, ONE, 120, 100, ""),
    ("laundry", "代洗衣", "Laundry", CATEGORY_ASSISTANCE, ONE, 60, 100, ""),
    ("repairs", "维修", "Small repairs", CATEGORY_ASSISTANCE, ONE, 60, 100, ""),
    ("delivery", "配送", "Delivery", CATEGORY_ASSISTANCE, ONE, 30, 100, ""),
    ("shopping", "代采买", "Shopping", CATEGORY_ASSISTANCE, ONE, 60, 100, ""),
    ("medical_escort", "助医", "Medical escort", CATEGORY_COMPANIONSHIP, ONE, 180, 100, ""),
    ("haircut", "理发", "Haircut", CATEGORY_PERSONAL, ONE, 30, 200, "haircut"),
    ("pedicure", "修脚", "Pedicure", CATEGORY_PERSONAL, ONE, 30, 200, "pedicure"),
    ("legal_advice", "法律咨询", "Legal advice", CATEGORY_LEGAL, ONE, 60, 100, "legal"),
]
