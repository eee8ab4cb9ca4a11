"""Every prompt the assistant sends, as constants with named placeholders.

Layout matters on CPU: the fixed system prompt comes first (its KV cache is reused between
questions), then the numbered sources, then the question and the instruction last, where a small
model follows it best.
"""

CANNOT_ANSWER = "The indexed papers do not answer this question."

SYSTEM = ("You answer questions about research papers using only the numbered sources you are "
          "given. Never use outside knowledge.")

SOURCE = "[{n}] {title}\n{evidence}"

ANSWER = """Sources:

{sources}

{context}Question: {question}

{instruction}"""

CONTEXT = "Earlier in this chat the user asked: {previous}\n"

# No "say you cannot answer" option here: a 1.5B model takes it far too often (it refused
# 70% of answerable dev questions). Abstention is decided by the pipeline instead, from
# retrieval evidence before generating and from support checks after.
# The model writes only the part that needs synthesis; titles, quotes, bullets and the compare
# table are laid out by the pipeline from the papers' own sentences (assistant/formats.py).
INSTRUCTIONS = {
    "fact": ("Answer the question in one or two sentences. Copy the exact numbers, dataset names and "
             "model names from the sources. End each sentence with the number of the source it comes "
             "from in brackets, like [1]."),
    "topic": ("In one or two sentences, say what these papers find about the question, naming which source "
              "says what with its number in brackets, like [2]. If the question asks whether something works "
              "or helps, begin with Yes, No or Mixed. Do not describe each paper in turn."),
    "compare": ("In one or two sentences, state the main difference between what [1] and [2] do or find. "
                "Cite each paper with its number in brackets after what it says, like [1]."),
}
MAX_TOKENS = {"fact": 110, "topic": 110, "compare": 110}

# Lines the pipeline writes around the model's text
FACT_QUOTES_LEAD = "From the abstract:"
TOPIC_LIST_LEAD = "Papers in the collection on this:"
VAGUE_FACT_LEAD = "The abstract says:"

ABSTAIN = ("The indexed papers do not cover this question ({reason}). The closest papers found "
           "are listed below.")
# the papers may cover it, but what the model wrote did not survive the checks
ABSTAIN_UNCHECKED = ("No answer that the papers back could be given ({reason}). The closest papers found "
                     "are listed below.")
WITHHELD_FACT_LEAD = "The model's answer stated figures or names the paper does not give, so it is not shown. The abstract says:"

REWRITE = """Rewrite the last question so it can be understood without the chat. Keep it short and name the paper or method it refers to. Reply with the question only.

Chat:
{history}
Last question: {question}
Standalone question:"""
