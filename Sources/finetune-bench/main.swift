import Finetune
print("finetune-bench: not built yet")
