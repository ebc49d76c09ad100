# Developer-run: writes src-main/model/imagenetClasses.ts from torchvision's ImageNet-1k category names
# (Debian python3-torchvision). Run from the repo root: /usr/bin/python3 scripts/makeImagenetClasses.py
import json
from torchvision.models._meta import _IMAGENET_CATEGORIES as names

assert len(names) == 1000
with open("src-main/model/imagenetClasses.ts", "w") as f:
    f.write("// ImageNet-1k class names in index order (from torchvision's category list; see scripts/makeImagenetClasses.py).\n")
    f.write("export const IMAGENET_CLASSES: readonly string[] = [\n")
    for n in names:
        f.write(f"  {json.dumps(n)},\n")
    f.write("];\n")
