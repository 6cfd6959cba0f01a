"""What the CLI's commands do beyond reading: run a pipeline (`runner`), add a collection, pin
sources, derive stage deps, find the datasets a push changes, and search a published index.
They call the release path, the client and the publishers; nothing below imports them.
"""
