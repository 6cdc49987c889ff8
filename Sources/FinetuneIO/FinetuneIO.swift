import FinetuneNN
