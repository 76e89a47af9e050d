"""The open-data portal application: publishing, API, accounts and the reply queue."""
