"""Training your own classifier: make-dataset (torch-free), train and evaluate.

Modules: ``genbank`` (reading GenBank flat files), ``protein_index`` and ``frames`` (the training
frame selection), ``dataset`` (balance and split by record), ``dataset_files`` and ``stages`` (the
make-dataset stages), ``settings`` / ``options`` / ``dataset_paths`` (frozen settings and the
output layout), ``metrics``, ``trainer``, ``reports`` and ``model_file`` (torch).
"""
