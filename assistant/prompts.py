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

INSTRUCTIONS = {
    "fact": ("Answer in 1-3 short sentences, copying names and numbers exactly as the sources write "
             "them. End every sentence with the number of its source in brackets, like [1]. If the "
             f"sources do not contain the answer, reply exactly: {CANNOT_ANSWER}"),
    "topic": ("List the sources that address the question, one sentence each saying what the paper "
              "does, ending with its number in brackets, like [2]. Skip sources that are off-topic. "
              f"If none address it, reply exactly: {CANNOT_ANSWER}"),
    "compare": ("Compare the papers in 2-4 sentences: what each does and how they differ. End every "
                "sentence with the numbers of its sources in brackets, like [1] or [1][2]. If the "
                f"sources do not cover them, reply exactly: {CANNOT_ANSWER}"),
    "lookup": ("In one or two sentences, explain what source [1] does that matches the description. "
               "End each sentence with [1]."),
}

LOOKUP_LEAD = 'The paper you describe is most likely "{title}" [1]. '

ABSTAIN = ("The indexed papers do not cover this question ({reason}). The closest papers found "
           "are listed below.")

REWRITE = """Rewrite the last question so it can be understood without the chat. Keep it short and name the paper or method it refers to. Reply with the question only.

Chat:
{history}
Last question: {question}
Standalone question:"""
