"""Training your own classifier: make-dataset (torch-free), train and evaluate.

Modules: ``genbank`` (reading GenBank flat files), ``protein_index`` and ``frames`` (the training
frame selection), ``dataset`` (balance and split by record), ``dataset_files`` (the per-input work
of the make-dataset stages), ``feature_inputs`` (the dataset's frames as predict's split files),
``stages`` (every stage of make-dataset, train and evaluate), ``settings`` / ``options`` /
``dataset_paths`` (frozen settings, ``TrainingConfig`` and the output layout), ``metrics``, and,
with torch, ``tensors``, ``trainer``, ``learning``, ``reports`` and ``model_file``. This package
never imports ``virnucpro.pipeline``; the pipelines and run functions live there.
"""
