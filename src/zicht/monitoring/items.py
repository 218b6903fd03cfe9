"""Short names of the student diary's slider items and the key constructs on the caseload page.

The questionnaire texts are full questions; a chart axis needs a few words. Dutch first, English
second. Item ids follow docs/instruments (student diary v1..v25).
"""

# Slider items (0-100, higher = better) of the student diary, in questionnaire order. v7 (hours,
# 0-40) is not a "higher is better" scale and is left out of scoring and charts.
SLIDER_ITEMS = [
    "v2", "v3", "v4", "v5", "v6", "v8", "v9", "v10", "v11", "v12", "v14", "v15", "v16", "v17",
    "v19", "v20", "v21", "v22", "v23", "v24", "v25",
]

LABELS = {
    "v2": ("Ervaringen op school/stage", "Experiences at school/internship"),
    "v3": ("Zelf gewild op school", "Own choice at school"),
    "v4": ("Ging goed op school", "Went well at school"),
    "v5": ("Band met medestudenten", "Bond with fellow students"),
    "v6": ("Band met docenten", "Bond with teachers"),
    "v8": ("Genoeg tijd voor school", "Enough time for school"),
    "v9": ("Blij met opleiding", "Happy with programme"),
    "v10": ("Opleiding past bij mij", "Programme fits me"),
    "v11": ("Vertrouwen: jaar halen", "Confidence in passing"),
    "v12": ("Ervaringen buiten school", "Experiences outside school"),
    "v14": ("Zelf gewild buiten school", "Own choice outside school"),
    "v15": ("Ging goed buiten school", "Went well outside school"),
    "v16": ("Band met vrienden", "Bond with friends"),
    "v17": ("Band met familie", "Bond with family"),
    "v19": ("Klik met begeleider", "Got on with mentor"),
    "v20": ("Open naar begeleider", "Open to mentor"),
    "v21": ("Geholpen door begeleider", "Helped by mentor"),
    "v22": ("Steun bij eigen keuzes", "Support for own choices"),
    "v23": ("Begeleider was er voor mij", "Mentor was there for me"),
    "v24": ("Begeleider: ik kan het", "Mentor: I can do it"),
    "v25": ("Welbevinden", "Wellbeing"),
}

# Key constructs on the caseload page: (key, Dutch, English, items averaged per week).
KEY_CONSTRUCTS = [
    ("school", "Verbondenheid school", "Connectedness at school", ("v5", "v6")),
    ("confidence", "Vertrouwen", "Confidence", ("v11",)),
    ("wellbeing", "Welbevinden", "Wellbeing", ("v25",)),
    ("time", "Genoeg tijd", "Enough time", ("v8",)),
    ("programme", "Blij met opleiding", "Happy with programme", ("v9",)),
]

# Mentor diary (instruments §2a): codes of the v3_2 action categories, used when no published
# questionnaire version is at hand (the labels normally come from the definition itself).
ACTION_CATEGORIES = {
    "informal": ("Laagdrempelig contact", "Informal contact"),
    "visual_exercise": ("Oefening met tekenen of schema's", "Exercise with drawings or diagrams"),
    "verbal_exercise": ("Oefening met praten of spelen", "Exercise with talking or acting"),
    "motivating": ("Motiveren en aanmoedigen", "Motivating and encouraging"),
    "confronting": ("Confronteren", "Confronting"),
    "informing": ("Uitleg en informatie geven", "Explaining and informing"),
    "schoolwork": ("Helpen met school", "Helping with schoolwork"),
    "emotional_support": ("Emotionele steun geven", "Giving emotional support"),
    "environment": ("De omgeving erbij betrekken", "Involving the people around the student"),
    "colleagues": ("Collega's of professionals om advies vragen", "Asking colleagues or professionals"),
    "observing": ("Student observeren", "Observing the student"),
    "other": ("Iets anders", "Something else"),
}


def label(item, language="nl"):
    names = LABELS.get(item)
    if names is None:
        return item
    return names[0] if language == "nl" else names[1]
