"""What a dataset IS: the catalogue record, its validation and its exports."""
