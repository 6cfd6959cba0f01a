"""What the CLI's commands do beyond reading: run a pipeline (`runner`), add a collection, pin
sources, find the datasets a push changes, and search a published index.
They stand on the release path, the publishers and the library; nothing below imports them,
and no command imports another.
"""
