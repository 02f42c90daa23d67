"""Output renderers: each turns the model into one kind of file and knows nothing of the others."""
