"""Draft a policy pack from a published privacy policy (`privet policy draft`).

Segments the text, classifies each segment into the OPP-115 practice categories with a small
head over offline MiniLM embeddings, reads attributes and negations sentence by sentence, maps
them onto pack vocabulary (fideslang plus privet's telecom terms) and writes a pack that
`privet policy check` accepts, with a review report of evidence and confidence per element.
"""
