"""Dutch names for known diary items, used only to make alert reasons nicer.

The scorer never depends on these: an unknown column keeps its own name in the reason.
"""

ITEM_LABELS = {
    "v2": "ervaringen op school en stage",
    "v3": "zelf willen op school",
    "v4": "hoe goed het ging op school",
    "v5": "verbondenheid met medestudenten",
    "v6": "verbondenheid met docenten en stagebegeleiders",
    "v8": "genoeg tijd aan school besteed",
    "v9": "tevreden met de opleiding",
    "v10": "opleiding past bij mij",
    "v11": "vertrouwen in het halen van het schooljaar",
    "v12": "ervaringen buiten school",
    "v14": "zelf willen buiten school",
    "v15": "hoe goed het ging buiten school",
    "v16": "verbondenheid met vrienden buiten school",
    "v17": "verbondenheid met ouders of familie",
    "v19": "klik met de mentor",
    "v20": "openheid naar de mentor",
    "v21": "hulp van de mentor",
    "v22": "steun van de mentor bij eigen keuzes",
    "v23": "mentor was er voor mij",
    "v24": "mentor gaf het gevoel dat ik het kan",
    "v25": "welbevinden",
    # common English or descriptive column names
    "wellbeing": "welbevinden",
    "connectedness": "verbondenheid met school",
    "connectedness_school": "verbondenheid met school",
    "confidence": "vertrouwen in het halen van het schooljaar",
    "enough_time": "genoeg tijd aan school besteed",
    "programme_fit": "opleiding past bij mij",
}

# Items the "last value < 40" baseline looks at when they are present (else: all items).
KEY_ITEMS = [
    "v8",
    "v9",
    "v10",
    "v11",
    "v25",
    "wellbeing",
    "connectedness",
    "connectedness_school",
    "confidence",
    "enough_time",
    "programme_fit",
]

QUALITY_REASONS = {
    1: "alle schuifjes staan op 50 (niet aangeraakt)",
    2: "overal (bijna) hetzelfde antwoord",
    3: "steeds dezelfde antwoorden als vorige week",
    4: "veel te snel ingevuld",
    5: "antwoorden veranderen bijna nooit (lage MSSD)",
}


def item_label(name):
    key = str(name).strip()
    return ITEM_LABELS.get(key, ITEM_LABELS.get(key.lower(), key))
