# Developer-run: writes src-main/model/imagenetClasses.json, torchvision's ImageNet-1k category names in index order
# (Debian python3-torchvision). Run from the repo root: /usr/bin/python3 scripts/makeImagenetClasses.py
import json
from torchvision.models._meta import _IMAGENET_CATEGORIES as names

assert len(names) == 1000
with open("src-main/model/imagenetClasses.json", "w") as f:
    f.write("[\n" + ",\n".join(f"  {json.dumps(n)}" for n in names) + "\n]\n")
