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
INSTRUCTIONS = {
    "fact": ("Answer in 1-3 short sentences, copying names and numbers exactly as the sources write "
             "them. End every sentence with the number of its source in brackets, like [1]."),
    "topic": ("List the sources that address the question, one sentence each saying what the paper "
              "does, ending with its number in brackets, like [2]. Skip sources that are off-topic."),
    "compare": ("Compare the papers in two to four sentences: what each does and how they differ. End every "
                "sentence with the numbers of its sources in brackets, like [1] or [1][2]."),
    "lookup": ("In one or two sentences, explain what source [1] does that matches the description. "
               "End each sentence with [1]."),
}

# When the model answers a topic question with bare markers ("[1][2][3]"), the answer is built
# from the sources instead: each paper with the sentence that matched the question
TOPIC_LIST_LEAD = "Papers in the collection that address this:"
TOPIC_LIST_ITEM = '"{title}": {evidence} [{n}]'

LOOKUP_LEAD = 'The paper you describe is most likely "{title}" [1]. '

ABSTAIN = ("The indexed papers do not cover this question ({reason}). The closest papers found "
           "are listed below.")

REWRITE = """Rewrite the last question so it can be understood without the chat. Keep it short and name the paper or method it refers to. Reply with the question only.

Chat:
{history}
Last question: {question}
Standalone question:"""
