saved_model.pb placeholder: a SavedModel graph of digits_inference.DigitsModel (export/)
