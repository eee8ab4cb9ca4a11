"""Answering steps on crafted inputs: intent, source choice, abstention, citation repair."""

import hashlib

import numpy as np

from assistant import prompts
from assistant.answering import abstain_reason, build_answer, build_messages, referenced_paper, select_sources
from assistant.checking import check, is_refusal
from assistant.config import Settings
from assistant.intent import classify_intent, looked_up_claim
from assistant.types import Hit, Message, Paper, Query, Source


def bag_of_words(texts):
    """A real (if crude) embedder: hashed word counts."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            word = word.strip(".,[]()")
            out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1
    return out


def hit(n, title, abstract, score=1.0, dense=0.7, lexical=12.0):
    paper = Paper(f"p{n}", title, abstract)
    return Hit(paper, score, n, evidence=[abstract], dense_score=dense, lexical_score=lexical)


SOURCES = [hit(1, "Grokking theory", "We observe four learning phases: comprehension, grokking, memorization and confusion."),
           hit(2, "NoProp", "Each layer independently learns to denoise a noisy target.", score=0.8)]


def test_intent_of_typical_questions():
    assert classify_intent("what's the paper where each layer denoises on its own?") == "lookup"
    assert classify_intent("Compare GLU variants with polynomial networks") == "compare"
    assert classify_intent("Which papers study hypergraph neural networks?") == "topic"
    assert classify_intent("What BLEU score did the model reach?") == "fact"
    assert classify_intent("and the dataset?", [{"role": "user", "content": "x"}]) == "fact"
    # "how does X compare with Y" sets two papers side by side; "how does X perform compared with"
    # a baseline asks one paper's result (it got a table beside an unrelated second paper)
    assert classify_intent("How does BERT compare with GPT-2 on GLUE?") == "compare"
    assert classify_intent("How does Hedgehog perform compared with standard softmax attention?") == "fact"
    # a question that refers to a paper ("the paper on", "work on") to ask a detail of it is a fact
    # question; these three got the lookup card ("What it does / Matches your description") instead
    assert classify_intent("Why does DSS work, according to the paper on diagonal state space models?") == "fact"
    assert classify_intent("Which convex relaxation did initial work on ReLU network expressivity focus on?") == "fact"
    assert classify_intent("How do the learning-by-teaching paper and the paper on the prior distribution "
                           "differ in how they improve LLMs?") == "compare"
    assert classify_intent("which paper found that a strong model can improve itself by teaching?") == "lookup"
    # questions opened by "Where" or a preposition before the wh-word got the lookup card too
    assert classify_intent("Where does the functional rift appear in the mechanistic study of chain-of-thought, "
                           "and what changes there?") == "fact"
    assert classify_intent("Into which three operations can constructive causal abstraction be decomposed?") == "fact"
    assert classify_intent("By how much does relational reasoning beat the best competitor?") == "fact"
    assert classify_intent("where the attention module pools the same features for every query") == "lookup"


def test_a_stated_finding_is_matched_as_a_fact_but_answered_as_a_lookup():
    """A claim is found by the sentence that states it (a fact's weights, sentence term on) but
    answered with the paper's own sentences; a description of a paper, however worded, keeps the
    lookup weights."""
    for claim in ("ADAR1 binds to Dicer to cleave pre-miRNA.", "Larger language models hallucinate less."):
        assert classify_intent(claim) == "lookup"
        assert looked_up_claim(claim, classify_intent(claim))
    for description in ("long-document transformer whose sparse attention keeps a few global tokens",
                        "word-piece lms are bad at telling real words from made-up ones.",
                        "Surprising result: pretraining on only the first letter of every word piece works.",
                        "A paper showing that larger models hallucinate less."):
        assert classify_intent(description) == "lookup" and not looked_up_claim(description, "lookup"), description
    assert not looked_up_claim("Larger language models hallucinate less.", "topic")


def test_sources_drop_papers_far_below_the_best():
    hits = [hit(1, "a", "x", score=1.0), hit(2, "b", "y", score=0.9), hit(3, "c", "z", score=0.2)]
    chosen = select_sources(hits, "fact", Settings())
    assert [h.paper.paper_id for h in chosen] == ["p1", "p2"]
    assert len(select_sources(hits, "lookup", Settings())) == 2  # a close runner-up is listed too
    assert len(select_sources([hits[0], hits[2]], "lookup", Settings())) == 1


def test_abstains_when_nothing_is_close():
    settings = Settings()
    weak = [hit(1, "a", "x", dense=0.2, lexical=2.0)]
    assert abstain_reason(weak, settings) is not None
    assert abstain_reason([], settings) == "no paper matched"
    assert abstain_reason(SOURCES, settings) is None


def test_a_close_paper_anywhere_in_the_results_keeps_a_question_answerable():
    """The quality index ranks with another embedder: the paper closest in MiniLM's terms may come
    fourth while the right one, worded unlike the question, comes first (dev-006)."""
    weak = [hit(i, "a", "x", dense=0.43, lexical=8.0) for i in range(1, 4)]
    assert abstain_reason(weak, Settings()) is not None
    assert abstain_reason([*weak, hit(4, "b", "y", dense=0.5, lexical=1.0)], Settings()) is None
    assert abstain_reason([*weak, hit(4, "b", "y", dense=0.2, lexical=30.0)], Settings()) is not None


def test_keyword_match_keeps_a_question_answerable():
    strong_lexical = [hit(1, "a", "x", dense=0.3, lexical=30.0)]
    assert abstain_reason(strong_lexical, Settings()) is None


def test_a_name_the_question_shares_with_the_first_paper_keeps_it_answerable():
    """A short question about a paper's own term scores low on both signals ("What does the
    Reinforcer do for Chinese G2P?": similarity 0.35, keyword score 8.4)."""
    g2p = hit(1, "Good Neighbors Are All You Need for Chinese Grapheme-to-Phoneme Conversion",
              "Most Chinese G2P systems use a three-stage framework. We propose the Reinforcer.", dense=0.35, lexical=8.4)
    assert abstain_reason([g2p], Settings(), "What does the Reinforcer do for Chinese G2P?") is None
    assert abstain_reason([g2p], Settings(), "What does the Reinforcer do for Chinese TTS?") is not None
    assert abstain_reason([g2p], Settings(), "What does the Reinforcer do for Chinese G2?") is not None  # whole words


def test_a_capitalised_term_only_the_first_paper_uses_keeps_it_answerable():
    """"What does the Instruction Following Score measure?" scored similarity 0.44 and keyword score
    7.1 against the paper that introduces it, and was refused."""
    ifs = hit(1, "Becoming self-instruct: early stopping criteria for minimal instruct tuning",
              "We introduce the Instruction Following Score (IFS), a metric of instruction following.",
              dense=0.44, lexical=7.1)
    other = hit(2, "INTERS: instruction tuning for search", "Large Language Models follow instructions in search.",
                dense=0.40, lexical=5.0)
    assert abstain_reason([ifs, other], Settings(), "What does the Instruction Following Score measure?") is None
    # a term the other paper also uses, or the question's own opening, says nothing about which paper
    assert abstain_reason([ifs, other], Settings(), "How do Large Language Models score it?") is not None
    assert abstain_reason([ifs, other], Settings(), "Instruction Following is measured how?") is not None


def test_a_term_the_first_paper_coins_keeps_the_question_answerable():
    """"What is the curse of separability?" and "What does the view-batch model adjust?" were refused
    with the right paper first: lower-case terms, but each named so by its paper."""
    mixup = hit(1, "Provable Benefit of Mixup for Finding Optimal Decision Boundaries",
                "For vanilla training, we uncover an interesting phenomenon named the curse of separability. "
                "We introduce the view-batch model that adjusts the schedule.", dense=0.27, lexical=4.9)
    other = hit(2, "Causal Abstraction for Faithful Model Interpretation", "A curse of dimensionality in models.",
                dense=0.25, lexical=3.0)
    assert abstain_reason([mixup, other], Settings(), "What is the curse of separability?") is None
    assert abstain_reason([mixup, other], Settings(), "What does the view-batch model adjust?") is None
    # the same words, not named by the paper, or used by another paper too, say nothing about which paper
    assert abstain_reason([mixup, other], Settings(), "What is the vanilla training of separability?") is not None
    assert abstain_reason([mixup, other], Settings(), "Is there a curse of dimensionality?") is not None


def test_a_paper_called_by_its_title_words_keeps_the_question_answerable():
    prior = hit(1, "Identifying and Mitigating the Influence of the Prior Distribution in Large Language Models",
                "LLMs fail at counting because of their prior. Finetuning some layers helps.", dense=0.37, lexical=5.6)
    other = hit(2, "You can remove GPT2's LayerNorm by fine-tuning", "We fine-tune GPT2 without LayerNorm.",
                dense=0.35, lexical=4.0)
    assert abstain_reason([prior, other], Settings(), "Which layers did the prior-distribution paper fine-tune?") is None
    assert abstain_reason([prior, other], Settings(), "Which layers did the fine-tuning paper change?") is not None


def sources_of(hits):
    return [Source(i, h, [h.paper.abstract], [1.0]) for i, h in enumerate(hits, start=1)]


def test_prompt_puts_sources_first_and_instruction_last():
    messages = build_messages(Query("Which phases?", "fact"), sources_of(SOURCES))
    user = messages[1]["content"]
    assert messages[0]["content"] == prompts.SYSTEM
    assert user.index("[1] Grokking theory") < user.index("Question: Which phases?")
    assert user.rstrip().endswith(prompts.INSTRUCTIONS["fact"])


def test_a_fact_question_lets_the_model_read_more_than_the_two_quotes_shown():
    """"Which knowledge is acquired fastest, and which is not stably acquired?": the two best-matching
    sentences held the first part only, so the model could not answer the second."""
    sentences = ["Models are probed.", "We plot probing across iterations.", "Linguistic knowledge is acquired fast.",
                 "Facts are slower.", "Reasoning is not stably acquired.", "Code is released."]
    paper = Paper("p1", "Probing Across Time", " ".join(sentences))
    source = Source(1, Hit(paper, 1.0, 1, evidence=sentences[2:4]), sentences, [0.1, 0.3, 0.9, 0.5, 0.6, 0.0])
    user = build_messages(Query("Which knowledge is fastest, which is unstable?", "fact"), [source])[1]["content"]
    assert "Reasoning is not stably acquired." in user and "We plot probing" in user
    assert "Code is released." not in user and "Models are probed." not in user
    # in the abstract's order
    assert user.index("We plot probing") < user.index("Linguistic knowledge") < user.index("Reasoning is")


def test_refusals_are_recognised():
    assert is_refusal(prompts.CANNOT_ANSWER)
    assert is_refusal("The sources do not mention the learning rate.")
    assert not is_refusal("Four phases were observed [1].")


def _check(question, hits, draft, intent="fact"):
    query = Query(question, intent)
    return build_answer(query, hits, check(draft, query, sources_of(hits), bag_of_words, Settings()),
                        reason=None, timings={})


def test_invented_citation_is_removed_and_the_claim_cites_its_source():
    answer = _check("Which phases?", SOURCES,
                    "They observe comprehension, grokking, memorization and confusion phases [7].")
    assert answer.removed_citations == ["[7]: no such source"]
    assert [c.paper_id for c in answer.citations] == ["p1"]
    assert answer.sentences[0].text.endswith("[1].")


def test_every_citation_maps_to_a_given_source():
    answer = _check("Which phases?", SOURCES, "Each layer independently learns to denoise a noisy target [2][3].")
    assert {c.paper_id for c in answer.citations} <= {"p1", "p2"}
    assert any("[3]" in r for r in answer.removed_citations)


def test_bare_descriptions_are_lookups_but_questions_are_not():
    assert classify_intent("long-document transformer whose sparse attention mixes local and global tokens") == "lookup"
    assert classify_intent("model that caches keys/values of its past states and retrieves them at test time") == "lookup"
    assert classify_intent("In the procedural pretraining work, what happened to needle retrieval?") == "fact"


def test_a_list_question_stays_a_topic_when_it_names_a_contrast():
    question = "Which papers probe how LLMs represent truth (probes, geometry of correct vs incorrect answers)?"
    assert classify_intent(question) == "topic"
    assert classify_intent("How does LoRA compare with full fine-tuning vs prompt tuning?") == "compare"


def test_bare_markers_for_a_topic_leave_the_list_of_the_sources():
    answer = _check("Which papers study learning dynamics?", SOURCES, "[1][2]", intent="topic")
    assert not answer.abstained
    assert [c.paper_id for c in answer.citations] == ["p1", "p2"]
    assert answer.text.startswith(prompts.TOPIC_LIST_LEAD + "\n\n- **Grokking theory**")


def test_bare_markers_for_a_fact_question_abstain():
    answer = _check("What phases does grokking have?", SOURCES, "[1]")
    assert answer.abstained and answer.abstain_reason == "the model's answer is not backed by the papers"


def test_numbers_from_the_question_or_a_title_are_not_invented():
    hits = [hit(1, "Three Decades of Activations: 400 Activation Functions", "We survey activation functions.")]
    ok = _check("Is there a survey of activation functions from 2024?", hits,
                "Yes: the survey covers 400 activation functions, as asked for 2024 [1].")
    assert not ok.abstained, ok.abstain_reason
    invented = _check("Is there a survey of activation functions?", hits, "It reviews 512 activation functions [1].")
    assert invented.abstained and "numbers" in invented.abstain_reason


def test_a_question_naming_a_top_paper_is_not_withheld_for_weak_scores():
    weak = [hit(1, "NoProp: Training without back-propagation", "x", dense=0.3, lexical=2.0),
            hit(2, "Grokking theory", "y", dense=0.3, lexical=2.0)]
    assert abstain_reason(weak, Settings(), "What does NoProp propose?") is None
    assert abstain_reason(weak, Settings(), "What do diffusion models propose?") is not None


def test_a_comparison_names_its_two_sides():
    from assistant.intent import compare_sides
    assert compare_sides("mimetic initialization for SSMs vs the 'never train from scratch' paper - both say x") == (
        "mimetic initialization for SSMs", "the 'never train from scratch' paper")
    assert compare_sides("How does LoRA differ from full fine-tuning?") == ("LoRA", "full fine-tuning")
    assert compare_sides("What does LoRA do?") is None


def test_a_follow_up_naming_a_paper_by_its_place_in_the_last_answer_gets_that_paper():
    titles = ["Tending Towards Stability: Convergence Challenges in Small Language Models",
              "Why do small language models underperform? Studying Language Model Saturation via the Softmax Bottleneck",
              "Honey, I Shrunk the Language: Language Model Behavior at Reduced Scale"]
    hits = [Hit(Paper(f"p{i}", t, "An abstract."), 1.0 - i / 10, i + 1) for i, t in enumerate(titles)]
    said = ("Two relevant papers: 'Honey, I Shrunk the Language' finds the power law breaks at small compute; "
            "'Why do small language models underperform?' studies saturation late in training.")
    history = (Message("user", "Why do small language models behave differently?"), Message("assistant", said))

    def ask(question, turns=history):
        return referenced_paper(Query(question, "fact", turns, question), hits)

    assert ask("ok and the second one - what do they say causes it?").paper.title == titles[1]
    assert ask("and the first paper?").paper.title == titles[2]
    assert ask("what does the latter find?").paper.title == titles[1]
    assert ask("what do they say causes it?") is None  # no reference by place
    assert ask("and the third one?") is None  # the answer named two papers
    assert ask("the second one?", turns=history[:1]) is None  # nothing said before
