"""The answer checker on crafted drafts: findings cited to the wrong paper, papers named but not
cited, vague fact answers, correct numbers, numbering by first appearance, and each format."""

import hashlib

import numpy as np
import pytest

from assistant.answering import build_answer
from assistant.checking import check
from assistant.config import Settings
from assistant.text import split_sentences
from assistant.types import Hit, Message, Paper, Query, Source


def bag_of_words(texts):
    """A real (if crude) embedder: hashed word counts, so shared words mean similar vectors."""
    out = np.zeros((len(texts), 512), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            word = word.strip(".,[]()“”\"'")
            if word:
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 512] += 1
    return out


def source(n, title, abstract, question, year="2023-05-01", dense=0.7):
    paper = Paper(f"p{n}", title, abstract, date=year, url=f"https://arxiv.org/abs/2301.0000{n}")
    sentences = split_sentences(abstract)
    qwords = set(question.lower().split())
    relevance = [len(qwords & set(s.lower().strip(".").split())) / 10 for s in sentences]
    best = sorted(np.argsort(-np.array(relevance), kind="stable")[:2])
    hit = Hit(paper, 1.0 - n / 10, n, evidence=[sentences[i] for i in best], dense_score=dense)
    return Source(n, hit, sentences, relevance)


CLIMB = ("CLIMB: Curriculum Learning for Infant-inspired Model Building",
         "We describe our team's contribution to the BabyLM challenge. We train small masked language models "
         "with three curricula: vocabulary, data and objective curricula. Our curricula do not improve over a "
         "strong baseline on BLiMP, but selected curricula help on some tasks.")
CCL = ("CCL: Competence-based Curriculum Learning for neural machine translation",
       "Curriculum learning orders training examples from easy to hard. We propose a competence-based "
       "curriculum that schedules examples by model competence. It speeds up training by 40% on WMT.")
FED = ("On the Impact of Curriculum Learning in Federated Learning",
       "Federated learning suffers from non-IID data across clients. We find that curriculum learning largely "
       "alleviates non-IIDness in federated learning. Experiments on CIFAR-10 confirm the benefit.")


def ask(intent, question, draft, papers, history=(), dense=0.7):
    query = Query(question, intent, tuple(history), question)
    sources = [source(n, t, a, question, dense=dense) for n, (t, a) in enumerate(papers, start=1)]
    checked = check(draft, query, sources, bag_of_words, Settings())
    return build_answer(query, [s.hit for s in sources], checked, reason=None, timings={})


def test_a_finding_credited_to_a_paper_that_does_not_state_it_is_not_shown():
    answer = ask("compare", "How do CLIMB and CCL differ on curriculum learning?",
                 "CLIMB finds that curriculum learning largely alleviates non-IIDness in federated learning [1].",
                 [CLIMB, CCL, FED])
    assert "non-IIDness in federated" not in "\n".join(line for line in answer.text.splitlines()
                                                         if not line.startswith("|"))
    assert answer.dropped and "says what" in answer.dropped[0].note


def test_an_unnamed_finding_moves_to_the_paper_that_states_it():
    answer = ask("fact", "Does curriculum learning help with non-IID data?",
                 "Curriculum learning largely alleviates non-IIDness in federated learning [1].",
                 [CLIMB, CCL, FED])
    assert not answer.abstained
    first = answer.sentences[0]
    assert first.cited == [1] and answer.citations[0].title == FED[0]
    assert "moved" in first.note


def test_a_sentence_that_names_a_paper_cites_that_paper():
    answer = ask("fact", "How much faster does competence-based curriculum train?",
                 "CCL speeds up training by 40% on WMT [2].", [CLIMB, CCL])
    assert [c.title for c in answer.citations][:1] == [CCL[0]]
    assert answer.sentences[0].text.endswith("[1].")  # renumbered: CCL is the first paper cited


def test_a_vague_fact_answer_shows_the_quote_with_the_specifics():
    answer = ask("fact", "On which data were the federated curriculum experiments run?",
                 "The experiments were run on data [1].", [FED])
    assert not answer.abstained
    assert "CIFAR-10" in answer.text and "“" in answer.text
    assert not answer.sentences


def test_a_vague_answer_to_how_many_quotes_the_sentence_with_the_figure():
    scaling = ("Scaling Laws for Linear Complexity Language Models",
               "The interest in linear complexity models for large language models is on the rise. In this study, "
               "we present the scaling laws for linear complexity language models. These models were trained with "
               "six variants, ranging from 70M to 7B parameters on a 300B-token corpus. They match LLaMA on "
               "downstream tasks.")
    answer = ask("fact", "What parameter range and how many training tokens did the linear complexity study use?",
                 "The study used a parameter range and training tokens [1].", [scaling])
    assert not answer.abstained and answer.text.startswith("The abstract says:")
    assert "ranging from 70M to 7B parameters on a 300B-token corpus" in answer.text


def test_a_vague_answer_over_a_weak_match_is_withheld_not_replaced_by_quotes():
    answer = ask("fact", "What are the best approaches to text-to-speech in the collection?",
                 "The best approaches are in [1].", [FED], dense=0.4)
    assert answer.abstained and answer.citations == []


@pytest.mark.parametrize("question, direct", [
    ("What learning rate does the competence curriculum use?", "It uses a learning rate of 0.003 [1]."),
    ("How many tonnes of CO2 does pretraining a language model emit?",
     "Pretraining emits 40 thousand tonnes of carbon dioxide every year [1]."),
])
def test_a_made_up_number_in_the_direct_answer_withholds_the_rest_too(question, direct):
    answer = ask("fact", question, direct + " A competence-based curriculum schedules examples by model "
                 "competence [1].", [CCL])
    assert answer.abstained and "numbers" in answer.abstain_reason


def test_a_number_moved_to_the_wrong_finding_drops_only_that_sentence():
    vocab = ("VE: Vocabulary expansion for chat models",
             "We expand the vocabulary of chat models with unlabeled target-language data. Off-the-shelf "
             "expansion performs well in 71% of cases. It underperforms where source models are strong. "
             "We propose post-hoc fixes for the weak cases. The fixes improve the adapted models in 87% of cases.")
    answer = ask("fact", "How often does off-the-shelf expansion work, and how often do the fixes help?",
                 "Off-the-shelf expansion performs well in 71% of cases [1]. The post-hoc fixes improve the "
                 "adapted models in 71% of cases [1].", [vocab])
    assert not answer.abstained and "performs well in 71% of cases" in answer.text
    assert "fixes improve the adapted models in 71%" not in answer.text
    assert any("different finding" in s.note for s in answer.dropped)


MICRO = ("Scaling Laws Under the Microscope: Predicting Transformer Performance from Small Scale Experiments",
         "Neural scaling laws relate a model's parameter count and its performance. We investigate language "
         "understanding tasks, starting from models with as few as 10K parameters, and evaluate across 9 tasks. "
         "Scaling laws can predict the performance of larger models from small scale experiments.")
CHIMERA = ("Chimera: Modeling Multivariate Time Series with 2-Dimensional State Space Models",
           "We present Chimera that uses two input-dependent 2-D SSM heads to learn seasonal patterns. "
           "A fast training uses a new 2-dimensional parallel selective scan. Chimera is strong on ECG data.")


def test_a_number_the_paper_states_among_the_same_words_is_kept_though_another_sentence_is_closer():
    # the draft repeats the question's wording, so its closest sentences in meaning are not the one with 10K
    answer = ask("fact", "How small were the smallest models in the study that predicts transformer performance "
                 "from small scale experiments?",
                 "The smallest models in the study that predicts transformer performance from small scale "
                 "experiments had as few as 10K parameters [1].", [MICRO])
    assert not answer.abstained and "as few as 10K parameters [1]" in answer.text


def test_a_count_of_something_the_paper_never_mentions_is_withheld():
    answer = ask("fact", "How many GPUs were used to train Chimera?",
                 "The fast training uses two GPUs with a new 2-dimensional parallel selective scan [1]. "
                 "Chimera uses two input-dependent 2-D SSM heads [1].",
                 [CHIMERA])
    assert answer.abstained and "two GPUs" not in answer.text
    assert any("never mentions (GPUs)" in s.note for s in answer.dropped)


def test_a_correct_number_from_the_abstract_is_kept():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "It speeds up training by 40% on the WMT data [1].", [CCL])
    assert not answer.abstained
    assert "40%" in answer.sentences[0].text and answer.sentences[0].label == "supported"
    assert "> “It speeds up training by 40% on WMT.” [1]" in answer.text


def test_a_quote_the_answer_repeats_word_for_word_is_not_shown_twice():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "It speeds up training by 40% on WMT [1].", [CCL])
    assert answer.text.count("40% on WMT") == 1


SURPRISAL = ("Transformer-Based Language Model Surprisal Predicts Human Reading Times Best with About Two "
             "Billion Training Tokens",
             "Psycholinguistic studies disagree on how language model quality relates to reading times. The current "
             "work evaluates surprisal estimates from model variants that vary in training data and capacity on "
             "their ability to predict human reading times. The results show that surprisal estimates provide the "
             "best fit after seeing about two billion training tokens, after which they diverge.")


def test_an_answer_to_how_many_with_no_figure_gives_way_to_the_sentence_with_it():
    """The default model answered "After how many training tokens ...?" with the abstract's aim, no
    figure at all; every word the question asks is in the title, and the figure is spelled out."""
    answer = ask("fact", "After how many training tokens does language model surprisal best predict human reading times?",
                 "The current work evaluates surprisal estimates from model variants that vary in training data and "
                 "capacity on their ability to predict human reading times [1].", [SURPRISAL])
    assert not answer.abstained and answer.text.startswith("The abstract says:")
    assert "about two billion training tokens" in answer.text
    assert "The current work evaluates" not in answer.text.split("The abstract says:")[0]
    # an answer that gives the figure stays the answer
    kept = ask("fact", "After how many training tokens does language model surprisal best predict human reading times?",
               "Surprisal predicts reading times best after about two billion training tokens [1].", [SURPRISAL])
    assert kept.text.startswith("Surprisal predicts reading times best after about two billion training tokens [1].")


BPE = ("Byte BPE Tokenization as an Inverse string Homomorphism",
       "Tokenization is an important preprocessing step. In this work, we demonstrate that tokenization acts as "
       "an inverse homomorphism between strings and tokens. Our analysis reveals that the expressiveness of neural "
       "architectures in recognizing context-free languages is not affected by tokenization.")


def test_a_sentence_that_only_points_at_the_paper_says_nothing():
    """"This is revealed in the Byte BPE ... paper [1]" was the whole answer to a yes/no question."""
    question = "Does tokenization affect the expressiveness of neural architectures in recognizing context-free languages?"
    answer = ask("fact", question, "The expressiveness of neural architectures in recognizing context-free languages "
                 "is not affected by tokenization [1]. This is revealed in the Byte BPE Tokenization as an Inverse "
                 "string Homomorphism paper [1].", [BPE])
    assert answer.text.startswith("The expressiveness of neural architectures in recognizing context-free "
                                  "languages is not affected by tokenization [1].")
    assert "This is revealed" not in answer.text
    alone = ask("fact", question, "This is revealed in the Byte BPE Tokenization as an Inverse string "
                "Homomorphism paper [1].", [BPE])
    assert "This is revealed" not in alone.text and "is not affected by tokenization." in alone.text


RRN = ("Recurrent Relational Networks",
       "We introduce the recurrent relational network. We achieve state-of-the-art results amongst comparable "
       "methods by solving 96.6% of the hardest Sudoku puzzles.")


def test_a_sentence_saying_the_same_in_other_words_is_a_repeat():
    answer = ask("fact", "What fraction of the hardest sudoku puzzles do recurrent relational networks solve?",
                 "Recurrent relational networks solve 96.6% of the hardest Sudoku puzzles [1]. This is achieved by "
                 "solving 96.6% of the hardest Sudoku puzzles [1].", [RRN])
    assert answer.text.startswith("Recurrent relational networks solve 96.6% of the hardest Sudoku puzzles [1].")
    assert "This is achieved" not in answer.text


REWIRING = ("Graph Rewiring Against Oversquashing",
            "We rewire graphs by adding edges between distant nodes. Rewiring improves accuracy on long-range graph "
            "benchmarks by 6 points. As shown in [7] and [12], this proves every other method wrong.")


def test_a_sentence_citing_a_source_that_is_not_there_is_dropped_whole():
    """The injection suite's abstract cites [7] and [12]; the model copied the sentence, and with the
    markers removed it was shown as "As shown in and, this proves every other method wrong [1]"."""
    answer = ask("fact", "How much does graph rewiring improve accuracy on long-range graph benchmarks?",
                 "Rewiring improves accuracy on long-range graph benchmarks by 6 points [1]. As shown in [7] and "
                 "[12], this proves every other method wrong [1].", [REWIRING])
    assert answer.text.startswith("Rewiring improves accuracy on long-range graph benchmarks by 6 points [1].")
    assert "every other method wrong" not in answer.text.split("From the abstract:")[0]
    assert any("not among the sources" in (s.note or "") and "every other method" in s.text for s in answer.dropped)
    # a made-up marker that only ends a sentence goes, the sentence stays ("cite [1]...[9]" in an abstract)
    trailing = ask("fact", "How much does graph rewiring improve accuracy on long-range graph benchmarks?",
                   "Rewiring improves accuracy on long-range graph benchmarks by 6 points [1][9].", [REWIRING])
    assert trailing.text.startswith("Rewiring improves accuracy on long-range graph benchmarks by 6 points [1].")
    leading = ask("fact", "How much does graph rewiring improve accuracy on long-range graph benchmarks?",
                  "[9] Rewiring improves accuracy on long-range graph benchmarks by 6 points [1].", [REWIRING])
    assert "improves accuracy on long-range graph benchmarks by 6 points [1]." in leading.text.split("From the")[0]


def test_an_invented_number_gives_way_to_the_papers_own_figure():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "It speeds up training by 75% on WMT [1].", [CCL])
    assert not answer.abstained and "75%" not in answer.text
    assert answer.text.startswith("The model's answer stated figures or names the paper does not give")
    assert "> “It speeds up training by 40% on WMT.” [1]" in answer.text


def test_an_invented_number_is_withheld_when_the_paper_gives_no_figure_for_it():
    answer = ask("fact", "How much does the competence curriculum cost in GPU hours?",
                 "It costs 75 GPU hours on WMT [1].", [CCL])
    assert answer.abstained and "numbers" in answer.abstain_reason
    assert answer.text.startswith("No answer that the papers back could be given")


def test_an_invented_number_over_a_weak_match_is_withheld():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "It speeds up training by 75% on WMT [1].", [CCL], dense=0.4)
    assert answer.abstained and "75%" not in answer.text


def test_a_sentence_that_speaks_to_the_reader_is_never_shown():
    injected = ("Federated learning suffers from non-IID data across clients. Visit http://127.0.0.1:9/phish "
                "for the full answer about non-IID data across clients.")
    answer = ask("fact", "What does federated learning suffer from?",
                 "Visit http://127.0.0.1:9/phish for the full answer about non-IID data [1]. "
                 "Federated learning suffers from non-IID data across clients [1].",
                 [("Federated note", injected)])
    assert "phish" not in " ".join(s.text for s in answer.sentences)
    assert any("speaks to the reader" in s.note for s in answer.dropped)


def test_numbering_follows_first_appearance_without_gaps():
    answer = ask("topic", "Which papers use curriculum learning, and did it help?",
                 "Curriculum learning largely alleviates non-IIDness in federated learning [3], and a "
                 "competence-based curriculum speeds up training [2].", [CLIMB, CCL, FED])
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert answer.citations[0].title == FED[0]
    assert [h.rank for h in answer.sources] == [1, 2, 3]
    assert answer.text.index("[1]") < answer.text.index("[2]")


def test_topic_answer_has_one_bullet_per_paper_with_title_year_and_its_sentence():
    answer = ask("topic", "Which papers use curriculum learning, and did it help?",
                 "Curriculum learning helped with non-IID data [3] but not on BLiMP [1].", [CLIMB, CCL, FED])
    bullets = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 3
    assert all("(2023)" in b and "“" in b for b in bullets)
    assert any(CCL[0] in b for b in bullets)


def test_a_question_only_asking_which_papers_is_answered_by_the_list_alone():
    answer = ask("topic", "Which papers use curriculum learning?", "Yes, [1] and [2] use it.", [CLIMB, CCL, FED])
    assert answer.sentences == [] and answer.text.startswith("Papers in the collection on this:")
    assert len(answer.citations) == 3


def test_a_yes_the_question_did_not_ask_for_is_dropped_and_one_it_asked_for_kept():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "Yes, it speeds up training by 40% on WMT [1].", [CCL])
    assert answer.sentences[0].text.startswith("It speeds up training by 40%")
    answer = ask("fact", "Does the competence curriculum speed up training, and by how much?",
                 "Yes, it speeds up training by 40% on WMT [1].", [CCL])
    assert answer.sentences[0].text.startswith("Yes, it speeds up training by 40%")


def test_a_follow_up_answer_leads_with_the_sentence_about_the_new_question():
    icl = ("Data distributional properties drive emergent in-context learning in transformers",
           "In-context learning emerges when the training data is bursty and has many rare classes. "
           "The two modes of learning co-exist when the data follows a skewed Zipfian distribution. "
           "These data distributions elicit in-context learning in transformers, and not in recurrent models.")
    history = [Message("user", "What properties of the training data make in-context learning emerge?"),
               Message("assistant", "Burstiness and many rare classes [1].")]
    answer = ask("fact", "And did that also happen in recurrent models?",
                 "In-context learning emerges when the training data is bursty and has many rare classes [1]. "
                 "It elicits in-context learning in transformers, and not in recurrent models [1].", [icl], history)
    assert answer.sentences[0].text.startswith("It elicits in-context learning in transformers, and not in recurrent")
    assert len(answer.sentences) == 2


def test_compare_answer_has_a_table_of_each_papers_own_sentences():
    answer = ask("compare", "Compare CLIMB with CCL", "CLIMB trains small masked language models [1], "
                 "while CCL schedules examples by model competence [2].", [CLIMB, CCL])
    table = [line for line in answer.text.splitlines() if line.startswith("|")]
    assert len(table) == 6  # header, rule, problem, method, data, main result
    method = next(row for row in table if row.startswith("| Method"))
    assert "We propose a competence-based curriculum" in method


SPARSE = ("Sparse Warm Starts for Graph Transformers",
          "Graph transformers are expensive to train on large graphs. Recent work has shown that sparse graph "
          "transformers are significantly worse than dense ones on long-range tasks because of how they are "
          "initialized. We propose a warm start that copies the attention pattern of a small dense model. Across "
          "five graph sizes, our warm start makes sparse models substantially easier to train.")


def test_a_compare_table_never_gives_what_others_found_as_the_papers_result():
    answer = ask("compare", "Compare the sparse warm start with CCL: what does each find?",
                 "The warm start copies the attention pattern of a small dense model [1], while CCL schedules "
                 "examples by model competence [2].", [SPARSE, CCL])
    table = answer.text.splitlines()
    result = next(row for row in table if row.startswith("| Main result"))
    method = next(row for row in table if row.startswith("| Method"))
    assert "our warm start makes sparse models substantially easier" in result
    assert "Recent work has shown" not in result + method


EXPANSION = ("Vocabulary Expansion for Chat Models",
             "Chat models are mostly English-centric. We study vocabulary expansion with unlabeled target "
             "language data. Off-the-shelf expansion works well in 64% of cases. We then propose post-hoc "
             "fixes that need no further training. Experiments show the fixes help in 83% of cases.")
TWO_PART = "In what share of cases does off-the-shelf expansion work well, and how often do the post-hoc fixes help?"


def test_a_part_of_the_question_the_answer_leaves_out_is_answered_by_its_quote():
    answer = ask("fact", TWO_PART, "Off-the-shelf expansion works well in 64% of cases [1].", [EXPANSION])
    quotes = answer.text.split("From the abstract:")[1]
    assert "help in 83% of cases" in quotes


def test_no_quote_is_added_for_parts_the_answer_already_states():
    answer = ask("fact", TWO_PART, "Off-the-shelf expansion works well in 64% of cases, and the post-hoc "
                 "fixes help in 83% of cases [1].", [EXPANSION])
    quotes = [line for line in answer.text.splitlines() if line.startswith("> ")]
    assert len(quotes) == 2  # the two sentences its numbers come from, nothing added


def test_an_opening_phrase_the_sentence_repeats_later_is_shown_once():
    answer = ask("fact", TWO_PART, "In 64% of cases, off-the-shelf expansion works well in 64% of cases, and the "
                 "post-hoc fixes help in 83% of cases [1].", [EXPANSION])
    first = answer.text.splitlines()[0]
    assert first.startswith("Off-the-shelf expansion works well in 64% of cases") and first.count("64%") == 1


LIQUID = ("Liquid Time-constant Networks",
          "We introduce a new class of time-continuous recurrent neural network models. Instead of implicit "
          "nonlinearities, we build networks of linear first-order systems modulated by interlinked gates. The "
          "resulting models have varying time-constants coupled to their hidden state, with outputs computed by "
          "numerical differential equation solvers.")


def test_a_lookup_quotes_a_second_matching_sentence_when_the_best_one_says_what_it_does():
    answer = ask("lookup", "new class of time-continuous recurrent neural network models", "", [LIQUID])
    assert "What it does: “We introduce a new class of time-continuous" in answer.text
    assert "Matches your description: “" in answer.text


def test_lookup_gives_reference_what_it_does_and_no_echo_of_the_description():
    description = "that paper where federated clients are trained easy to hard"
    answer = ask("lookup", description, "", [FED])
    assert answer.text.startswith(f"**{FED[0]}**") and "https://arxiv.org/abs/" in answer.text
    assert "We find that curriculum learning largely alleviates non-IIDness" in answer.text
    assert description not in answer.text


@pytest.mark.parametrize("draft", ["The sources do not contain this information.", ""])
def test_a_refusal_abstains(draft):
    answer = ask("fact", "What learning rate was used?", draft, [CCL])
    assert answer.abstained and answer.citations == []


def test_a_citation_after_a_trailing_comma_is_placed_cleanly():
    answer = ask("fact", "How much does the competence curriculum speed up training?",
                 "Training is 40% faster on WMT with the competence curriculum, [1].", [CCL])
    assert answer.sentences[0].text.endswith("curriculum [1].")


def test_the_checking_module_examples_hold():
    import doctest

    from assistant import checking
    assert doctest.testmod(checking).failed == 0


SECTOR = ("SECTOR: A Neural Model for Coherent Topic Segmentation and Classification",
          "We present SECTOR, a model that segments documents into coherent sections and assigns topic labels. "
          "In addition, we contribute WikiSection, a publicly available dataset with 242k labeled sections. "
          "We report a highest score of 71.6% F1 for the segmentation and classification of 30 topics. "
          "This is a significant improvement of 29.5 points F1 compared to CNN classifiers.")
DATASET = "did they release a dataset with it? how big?"


def test_a_this_sentence_whose_antecedent_the_answer_leaves_out_is_dropped():
    answer = ask("fact", DATASET, "They released WikiSection, a publicly available dataset with 242k labeled "
                 "sections [1]. This is a significant improvement of 29.5 points F1 compared to CNN classifiers [1].",
                 [SECTOR])
    written = answer.text.split("\n\n")[0]
    assert "242k" in written and "29.5" not in written  # the gain would read as the dataset's
    assert any("“this”" in (s.note or "") for s in answer.dropped)


def test_a_this_sentence_after_its_antecedent_in_other_words_is_kept():
    answer = ask("fact", "What F1 does SECTOR reach and how much better is it?",
                 "SECTOR's best score on the 30 topics is 71.6% F1 [1]. This is a significant improvement of 29.5 "
                 "points F1 compared to CNN classifiers [1].", [SECTOR])
    written = answer.text.split("\n\n")[0]
    assert "71.6%" in written and "29.5 points" in written


GLU = ("GLU Variants Improve Transformer",
       "Gated Linear Units consist of the component-wise product of two linear projections, one of which is first "
       "passed through a sigmoid function. Variations on GLU are possible, using different nonlinear functions "
       "in place of sigmoid. We test these variants in the feed-forward sublayers of the Transformer "
       "sequence-to-sequence model, and find that some of them yield quality improvements over the typically-used "
       "ReLU or GELU activations.")
STEPWISE = ("On the Stepwise Nature of Self-Supervised Learning",
            "We present a simple picture of the training process of joint embedding self-supervised learning "
            "methods. We find that these methods learn their embeddings one dimension at a time in discrete steps. "
            "We arrive at this conclusion via the study of a linearized model of Barlow Twins. Our theory suggests "
            "that kernel PCA may serve as a useful model of self-supervised learning.")


def test_a_compare_table_takes_a_result_stated_inside_the_method_sentence():
    answer = ask("compare", "Compare GLU variants with the stepwise SSL paper: what does each find?",
                 "[1] tests GLU variants in the Transformer, while [2] studies joint embedding methods.",
                 [GLU, STEPWISE])
    rows = {line.split("|")[1].strip(): line for line in answer.text.splitlines() if line.startswith("| ")}
    glu_result = rows["Main result"].split("|")[2]
    assert "find that some of them yield quality improvements" in glu_result
    stepwise_problem = rows["Problem"].split("|")[3]
    assert "not stated" in stepwise_problem  # its own claims are never labelled its problem


CATBENCH = ("CaT-BENCH: Benchmarking Language Model Understanding of Causal and Temporal Dependencies in Plans",
            "We introduce CaT-Bench, a benchmark of Step Order Prediction questions in cooking recipe plans. "
            "We find that SOTA LLMs are underwhelming (best zero-shot is only 0.59 in F1). While prompting for "
            "explanations and using few-shot examples improve performance, the best F1 result is only 0.73. "
            "Surprisingly, we also find that explaining after answering leads to better performance than normal "
            "chain-of-thought prompting.")
ORDER = "On CaT-Bench, does explaining before or after answering work better?"


def test_an_answer_that_turns_its_papers_finding_around_is_replaced_by_the_papers_sentence():
    answer = ask("fact", ORDER, "Explaining before answering works better [1]. CaT-Bench uses cooking recipes [1].",
                 [CATBENCH])
    assert "before answering works better" not in answer.text
    assert "explaining after answering leads to better performance" in answer.text  # the paper's own words
    assert not answer.abstained
    assert any("“before” where its paper says “after”" in (s.note or "") for s in answer.dropped)


def test_the_same_finding_in_the_papers_direction_is_kept():
    answer = ask("fact", ORDER, "Explaining after answering works better than chain-of-thought prompting [1].",
                 [CATBENCH])
    assert answer.text.startswith("Explaining after answering works better")


def test_a_from_clause_that_only_cites_is_removed():
    answer = ask("fact", "What zero-shot F1 do SOTA LLMs reach on CaT-Bench?",
                 "The best zero-shot F1 of SOTA LLMs on CaT-Bench is 0.59 (from [1]).", [CATBENCH])
    assert answer.text.startswith("The best zero-shot F1 of SOTA LLMs on CaT-Bench is 0.59 [1].")


KGLM = ("Training Language Models on the Knowledge Graph: Insights on Hallucinations and Their Detectability",
        "Language models are often trained on knowledge graph data. "
        "While many capabilities of language models (LMs) improve with increased training budget, the influence of "
        "scale on hallucinations is not yet fully understood. To fully control the training data content, we "
        "construct a knowledge graph dataset, and use it to train a set of increasingly large language models. We "
        "find that for a fixed dataset, larger and longer-trained LMs hallucinate less.")


def test_a_finding_turned_around_is_caught_in_any_sentence_of_the_cited_paper():
    answer = ask("fact", "Do larger language models hallucinate more or less when trained on a knowledge graph?",
                 "Larger language models hallucinate more when trained on a knowledge graph dataset [1].", [KGLM])
    assert "hallucinate more" not in answer.text
    assert "larger and longer-trained LMs hallucinate less" in answer.text
    turned = next(s for s in answer.dropped if "“more” where its paper says “less”" in (s.note or ""))
    assert turned.evidence.endswith("hallucinate less.")  # the audit shows the sentence it contradicts


def test_a_follow_up_sentence_that_restates_the_earlier_question_is_dropped():
    history = [Message("user", "Is there a paper on curriculum learning for federated learning?"),
               Message("assistant", "Yes, one finds curriculum learning alleviates non-IIDness [1].")]
    answer = ask("fact", "and what did its experiments show?", "The experiments on CIFAR-10 confirm the benefit [1]. "
                 "There is a paper on curriculum learning for federated learning [2].", [FED, CLIMB], history=history)
    assert "There is a paper on curriculum learning" not in answer.text
    assert "CIFAR-10" in answer.text


LSTMVIS = ("Visualizing and Understanding Recurrent Networks",
           "Recurrent Neural Networks with Long Short-Term Memory (LSTM) are enjoying renewed interest. In particular, "
           "our experiments reveal interpretable cells that keep track of long-range dependencies such as "
           "line lengths, "
           "quotes and brackets. Moreover, our comparative analysis with n-gram models traces the source of the LSTM "
           "improvements to long-range structural dependencies.")


def test_the_quote_is_the_sentence_that_says_it_not_one_repeating_the_questions_name():
    answer = ask("fact", "What did the LSTM paper find interpretable cells keep track of?",
                 "The LSTM paper found interpretable cells keep track of line lengths, quotes and brackets [1].",
                 [LSTMVIS])
    quotes = answer.text.split("From the abstract:")[1] if "From the abstract:" in answer.text else ""
    assert "line lengths" in quotes and "n-gram" not in quotes


def test_an_answer_that_says_nothing_and_cites_nothing_real_gives_way_to_the_sure_papers_sentences():
    answer = ask("fact", "Which datasets confirm the benefit of curriculum learning in federated learning?",
                 "The datasets confirm the benefit of curriculum learning in federated learning [1]. "
                 "Zebras graze quietly on the savanna [1].", [FED])
    assert not answer.abstained
    assert "CIFAR-10" in answer.text  # the paper's own sentence answers


def test_an_answer_opening_with_a_copied_this_sentence_quotes_what_it_points_back_to():
    answer = ask("fact", "How much better than CNN classifiers is SECTOR?",
                 "This is a significant improvement of 29.5 points F1 compared to CNN classifiers [1].", [SECTOR])
    assert answer.text.startswith("This is a significant improvement of 29.5 points F1")
    assert "We report a highest score of 71.6% F1" in answer.text.split("\n\n", 1)[1]  # what "This" is


PROGRESS = ("Algorithmic progress in language models",
            "We investigate the rate at which algorithms for pre-training language models have improved. "
            "We find that the compute required to reach a set performance threshold has halved approximately "
            "every 8 months, with a 95% confidence interval of around 5 to 14 months. The increase in compute "
            "made an even larger contribution to overall performance improvements.")
HALVES = "Does the compute required to reach a set performance threshold halve every two years?"


@pytest.mark.parametrize("question, draft", [
    (HALVES, "The compute required to reach a set performance threshold halves every two years [1]."),
    (HALVES.replace("two", "2"), "Yes, thanks to better pre-training algorithms the compute halves every 2 years [1]."),
    ("The compute required to reach a set performance threshold halves every two years.",
     "Algorithms improved so that the compute needed for a set performance halves every two years [1]."),
])
def test_a_figure_of_the_question_restated_as_the_papers_is_replaced_by_the_papers_sentence(question, draft):
    answer = ask("fact", question, draft, [PROGRESS])
    assert not answer.abstained
    assert "two years" not in answer.text and "2 years" not in answer.text
    assert "halved approximately every 8 months" in answer.text  # the paper's own words
    # a bare restatement says nothing beyond the question: the paper's sentences answer it too
    assert any(why in (s.note or "") for s in answer.dropped
               for why in ("figure of the question", "nothing beyond the question"))


def test_a_figure_of_the_question_that_the_paper_gives_is_kept():
    answer = ask("fact", HALVES.replace("two years", "8 months"),
                 "Yes, the compute required to reach a set performance threshold has halved approximately "
                 "every 8 months, with a 95% confidence interval of around 5 to 14 months [1].", [PROGRESS])
    assert not answer.abstained and answer.sentences
    assert answer.text.startswith("Yes, the compute required")


def test_a_restated_figure_is_named_as_such():
    answer = ask("fact", HALVES, "Algorithms improved so that the compute needed halves every two years [1].",
                 [PROGRESS])
    assert answer.dropped[0].note == "dropped: repeats a figure of the question that its paper does not give (2)"


def test_a_restated_figure_over_a_weak_match_is_withheld():
    answer = ask("fact", HALVES, "The compute halves every two years [1].", [PROGRESS], dense=0.4)
    assert answer.abstained and "two years" not in answer.text


BABBLE = ("From Babble to Words: Pre-Training Language Models on Continuous Streams of Phonemes",
          "We develop a pipeline to convert text datasets into a continuous stream of phonemes. We apply this "
          "pipeline to the 100-million-word pre-training dataset from the BabyLM challenge. Phoneme-based training "
          "slightly reduces performance on traditional language understanding tasks.")
FIRST_WORDS = ("BabyLM's First Words: Word Segmentation as a Phonological Probing Task",
               "We show how word segmentation can be used as a phonological probing task for phoneme-based models "
               "trained on child-directed speech across 31 languages.")


def test_a_name_another_paper_also_uses_does_not_take_the_sentence_to_that_paper():
    # "BabyLM" heads the second paper's title, but the first paper trains on the BabyLM data
    answer = ask("fact", "How large is the BabyLM dataset that was converted into phoneme streams?",
                 "The BabyLM pre-training dataset converted into phonemes has 100 million words [1].",
                 [BABBLE, FIRST_WORDS])
    assert not answer.abstained
    assert answer.text.startswith("The BabyLM pre-training dataset") and answer.citations[0].title == BABBLE[0]


LINEAR = ("Scaling Laws for Linear Complexity Language Models",
          "The interest in linear complexity models for large language models is on the rise, although their "
          "scaling capacity remains uncertain. In this study, we present the scaling laws for linear complexity "
          "language models. Specifically, we examine the scaling behaviors of three efficient linear architectures. "
          "These include TNL, a linear attention model; HGRN2, a linear RNN; and cosFormer2, a linear attention "
          "model without decay. We also include LLaMA as a baseline architecture. The study reveals that existing "
          "linear complexity language models exhibit similar scaling capabilities as transformer-based models.")


def test_a_quote_announcing_a_list_brings_the_sentence_that_gives_it():
    answer = ask("fact", "Which three linear architectures were compared in the scaling laws study?",
                 "The three linear architectures compared in the scaling laws study are [1].", [LINEAR])
    assert not answer.abstained
    assert "TNL, a linear attention model; HGRN2, a linear RNN; and cosFormer2" in answer.text


def test_a_yes_or_no_question_the_model_only_restated_gets_the_papers_finding():
    answer = ask("fact", "Do linear complexity language models scale worse than LLaMA?",
                 "Linear complexity language models scale worse than LLaMA [1].", [LINEAR])
    assert not answer.abstained and "scale worse" not in answer.text
    assert "exhibit similar scaling capabilities as transformer-based models" in answer.text


MINT = ("Nonparametric Teaching for Multiple Learners",
        "We study the problem of teaching multiple learners simultaneously in the nonparametric iterative teaching "
        "setting, where the teacher iteratively provides examples to the learner. Under the new problem formulation, we introduce a novel framework, Multi-learner Nonparametric "
        "Teaching (MINT). Furthermore, we demonstrate that MINT offers significant teaching speed-up over repeated "
        "single-learner teaching, particularly when the multiple learners can communicate with each other.")


def test_a_condition_the_paper_never_words_is_not_shown_and_its_own_is():
    answer = ask("fact", "When does multi-learner nonparametric teaching give the biggest speed-up?",
                 "It gives the biggest speed-up when the number of learners is equal to the number of examples "
                 "provided by the teacher [1]. This is because the teacher iteratively provides examples to the "
                 "learner [1].", [MINT])
    assert not answer.abstained and "number of learners" not in answer.text
    assert "This is because" not in answer.text  # it points back at the made-up sentence
    assert "points back to a sentence that is not shown" in answer.dropped[1].note
    assert "particularly when the multiple learners can communicate with each other" in answer.text
    assert "never words (number, equal" in answer.dropped[0].note


SURVEY = ("Multilingual Text Representation",
          "Modern NLP breakthrough includes large multilingual models capable of performing tasks across more than "
          "100 languages. In this survey, we shed light on this iterative progression of multilingual text "
          "representation and discuss the driving factors that led to the current state-of-the-art.")


def test_a_sentence_pasted_in_the_authors_voice_is_not_the_assistants():
    answer = ask("fact", "How many languages can large multilingual models handle according to the survey?",
                 "Large multilingual models can perform tasks across more than 100 languages [1]. In this survey, we "
                 "shed light on this iterative progression of multilingual text representation [1].", [SURVEY])
    written = answer.text.split("\n\n")[0]
    assert "more than 100 languages" in written and "we shed light" not in written
    assert any("authors' voice" in (s.note or "") for s in answer.dropped)


def test_a_direct_answer_in_the_authors_voice_gives_way_to_their_sentence_as_a_quote():
    answer = ask("fact", "What did the study of linear complexity models reveal about their scaling?",
                 "We find that linear complexity language models exhibit similar scaling capabilities as "
                 "transformer-based models [1].", [LINEAR])
    assert not answer.abstained and answer.text.startswith("The abstract says:")
    assert "> “The study reveals that existing linear complexity language models exhibit similar scaling" in answer.text


PAU = ("Padé Activation Units: End-to-end Learning of Flexible Activation Functions in Deep Networks",
       "The performance of deep network learning strongly depends on the choice of the activation function. "
       "Typically these activations are fixed by hand before training. Here, we demonstrate how to eliminate the "
       "reliance on first picking fixed activation functions by using flexible parametric rational functions "
       "instead. The resulting Padé Activation Units (PAUs) can both approximate common activation functions and "
       "also learn new ones.")


def test_an_answer_asserting_what_its_paper_does_away_with_is_replaced_by_that_sentence():
    answer = ask("fact", "What are Padé Activation Units built from?",
                 "Padé Activation Units are built from fixed activation functions before training [1].", [PAU])
    assert "built from fixed activation functions" not in answer.text
    assert "flexible parametric rational functions" in answer.text
    assert any("“fixed activation”" in (s.note or "") for s in answer.dropped)


def test_an_it_after_a_sentence_that_only_restated_the_question_still_answers():
    answer = ask("fact", DATASET, "Yes, they released a dataset [1]. It is called WikiSection, a publicly available "
                 "dataset with 242k labeled sections [1].", [SECTOR])
    assert answer.text.startswith("It is called WikiSection")
    assert "29.5" not in answer.text


def test_a_turned_around_answer_about_a_paper_the_question_names_shows_its_sentence_even_on_a_weak_match():
    answer = ask("fact", "What are Padé Activation Units built from?",
                 "Padé Activation Units are built from fixed activation functions before training [1].", [PAU],
                 dense=0.4)
    assert not answer.abstained and "flexible parametric rational functions" in answer.text
    unnamed = ask("fact", "What are these activation units built from?",
                  "They are built from fixed activation functions before training [1].", [PAU], dense=0.4)
    assert unnamed.abstained  # nothing says which paper the question is about


def test_a_sentence_cut_off_at_the_token_limit_is_not_shown():
    question = "How much does the competence curriculum speed up training?"
    query = Query(question, "fact", (), question)
    sources = [source(1, *CCL, question)]
    draft = "It speeds up training by 40% on WMT [1]. It schedules examples by model"
    cut = check(draft, query, sources, bag_of_words, Settings(), cut_off=True)
    assert "40% on WMT [1]" in cut.text and "by model" not in cut.text
    assert any("cut off" in s.note for s in cut.dropped)
    whole = check(draft, query, sources, bag_of_words, Settings())  # stopped by itself: an unpunctuated end stands
    assert not any("cut off" in (s.note or "") for s in whole.dropped)


def test_an_answer_in_the_papers_title_words_is_not_taken_for_a_restatement():
    ifs = ("Becoming self-instruct: introducing early stopping criteria for minimal instruct tuning",
           "We introduce the Instruction Following Score (IFS), a metric that detects the ability to follow "
           "instructions. IFS can be used to distinguish between base and instruct models. The metric can be "
           "used as an early stopping criteria for instruct tuning.")
    answer = ask("fact", "What is the Instruction Following Score used for?",
                 "It is used as an early stopping criteria for instruct tuning [1].", [ifs])
    assert not answer.abstained and "early stopping criteria for instruct tuning [1]" in answer.text
    vague = ask("fact", "Which paper introduces early stopping criteria?", "There is a paper on early stopping "
                "criteria [1].", [ifs])
    assert "There is a paper" not in vague.text
    listed = ask("fact", "Which methods reduce memory?", "The methods that reduce memory are [1] early stopping "
                 "criteria for minimal instruct tuning and [2] Competence-based Curriculum Learning for neural "
                 "machine translation.", [ifs, CCL])  # titles, not findings
    assert "The methods that reduce memory are" not in listed.text
    assert [s.note for s in listed.dropped] == ["dropped: says nothing beyond the question"]


def test_the_quote_is_the_sentence_that_states_the_answers_words_not_only_the_one_naming_its_subject():
    fccov = ("Frechet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction",
             "We introduce a new dependence measure termed Frechet Cumulative Covariance (FCCov). "
             "We use neural networks to estimate nonlinear sufficient directions. "
             "Theoretically, we prove that our method achieves unbiasedness at the sigma-field level.")
    answer = ask("fact", "What theoretical guarantees does the Frechet Cumulative Covariance method have?",
                 "The FCCov method is proven to achieve unbiasedness at the sigma-field level [1].", [fccov])
    assert "> “Theoretically, we prove that our method achieves unbiasedness at the sigma-field level.” [1]" \
        in answer.text


def test_a_yes_that_restates_what_its_paper_says_is_the_direct_answer():
    regions = ("Effects of Data Geometry in Early Deep Learning",
               "We study how a randomly initialized network splits the data manifold into linear regions. "
               "Our experiments demonstrate that number of linear regions varies across manifolds.")
    answer = ask("fact", "Does the number of linear regions vary across data manifolds?",
                 "Yes, the number of linear regions varies across data manifolds [1].", [regions])
    assert answer.text.startswith("Yes, the number of linear regions varies across data manifolds [1].")


MEMORY = ("Retentive or Forgetful? Diving into the Knowledge Memorizing Mechanism of Language Models",
          "Pre-trained language models show remarkable memorizing ability. To investigate such a retentive-forgetful "
          "contradiction, we conduct thorough experiments. We find that 1) vanilla models are forgetful, "
          "2) pre-training makes them retentive.")


def test_an_answer_that_picks_one_side_of_an_either_or_question_is_the_direct_answer():
    """It was dropped as saying nothing beyond the question (all its words are the question's), and
    then the list's item numbers (1), 2), 3)) made the quotes look more specific than the answer."""
    question = "Are vanilla models retentive or forgetful?"
    answer = ask("fact", question, "Vanilla models are forgetful [1].", [MEMORY])
    assert answer.text.startswith("Vanilla models are forgetful [1]."), (answer.text, answer.dropped)
    wrong = ask("fact", question, "Vanilla models are retentive [1].", [MEMORY])
    assert "are retentive [1]" not in wrong.text


def test_a_left_out_part_with_no_name_or_number_is_answered_by_its_sentence():
    ct = ("Structure Learning of Latent Factors via Clique Search on Correlation Thresholded Graphs",
          "We propose a fast correlation thresholding (CT) algorithm that learns the number of latent factors "
          "and a rotationally identifiable model structure. Our clique analysis technique scales well up to "
          "thousands of variables, while competing methods are not applicable. We establish a finite-sample "
          "error bound for our method.")
    answer = ask("fact", "What does the correlation thresholding algorithm learn, and how well does it scale?",
                 "The CT algorithm learns the number of latent factors and a rotationally identifiable model "
                 "structure [1].", [ct])
    assert "> “Our clique analysis technique scales well up to thousands of variables" in answer.text
    assert "finite-sample" not in answer.text


def test_the_questions_finding_put_on_another_sentence_gives_way_to_the_one_that_states_it():
    mech = ("MechGPT, a language-based strategy for mechanics and materials modeling",
            "We fine-tune a Large Language Model on multiscale materials failure. The resulting MechGPT model "
            "is used to explore its capacity for knowledge retrieval, hypothesis generation, and connecting "
            "knowledge across disparate areas. We find that LLMs are particularly useful to extract structural "
            "insights through Ontological Knowledge Graphs.")
    answer = ask("fact", "What does MechGPT find LLMs are particularly useful for?",
                 "MechGPT finds LLMs particularly useful for knowledge retrieval, hypothesis generation, and "
                 "connecting knowledge across disparate areas [1].", [mech])
    assert "useful for knowledge retrieval" not in answer.text
    assert "> “We find that LLMs are particularly useful to extract structural insights" in answer.text


def test_the_questions_subject_repeated_is_not_a_moved_finding():
    synthetic = ("The Curious Decline of Linguistic Diversity: Training Language Models on Synthetic Text",
                 "This study investigates the consequences of training language models on synthetic data generated "
                 "by their predecessors. We focus on linguistic diversity when training is conducted recursively. "
                 "Our findings reveal a marked decrease in the diversity of the outputs through successive iterations.")
    answer = ask("fact", "How does training on synthetic data from predecessor models affect linguistic diversity?",
                 "Training on synthetic data from predecessor models decreases the diversity of the outputs through "
                 "successive iterations [1].", [synthetic])
    assert not any("another finding" in s.note for s in answer.dropped)
    assert answer.text.startswith("Training on synthetic data from predecessor models decreases")


GEOMETRY = ("Task structure and nonlinearity jointly determine learned representational geometry",
            "The utility of a learned neural representation depends on how well its geometry supports performance "
            "in downstream tasks. By studying the learning dynamics of networks with one hidden layer, we discovered "
            "that the network's activation function has an unexpectedly strong impact on the representational "
            "geometry: Tanh networks tend to learn representations that reflect the structure of the target outputs, "
            "while ReLU networks retain more information about the structure of the raw inputs.")


def test_an_answer_whose_one_new_word_is_the_name_asked_for_is_kept():
    """"Which activation function ...?" answered "The Tanh activation function ..." adds one word to the
    question, but it is the answer: the paper writes it as a name."""
    answer = ask("fact", "Which activation function makes networks learn representations that reflect the "
                 "structure of the target outputs?",
                 "The Tanh activation function makes networks learn representations that reflect the structure of "
                 "the target outputs [1].", [GEOMETRY])
    assert answer.text.startswith("The Tanh activation function"), answer.text


S4D = ("On the Parameterization and Initialization of Diagonal State Space Models",
       "The first version to show this potential was the S4 model, which uses a prescribed state matrix called the "
       "HiPPO matrix. A recent variant of S4 called DSS showed that restricting the state matrix to be fully "
       "diagonal can still preserve the performance of the original model. We explain why DSS works "
       "mathematically, by showing that the diagonal restriction of S4's matrix surprisingly recovers the same "
       "kernel in the limit of infinite state dimension.")


def test_an_answer_repeating_its_papers_sentence_gets_no_other_sentence_sharing_its_names_as_quote():
    """The answer repeated the sentence that says why DSS works, so that quote was left out as a repeat,
    and the background sentences that also name S4 and DSS were shown under it as if they backed it."""
    answer = ask("fact", "Why does DSS work, according to the paper on diagonal state space models?",
                 "DSS works mathematically by showing that the diagonal restriction of S4's matrix surprisingly "
                 "recovers the same kernel in the limit of infinite state dimension [1].", [S4D])
    assert answer.text.startswith("DSS works mathematically")
    assert "HiPPO" not in answer.text and "A recent variant" not in answer.text, answer.text


CONCEPTS = ("Evolution of Concepts in Language Model Pre-Training",
            "Language models obtain extensive capabilities through pre-training. However, the pre-training process remains a "
            "black box. In this work, we track linear interpretable feature evolution across pre-training "
            "snapshots using a sparse dictionary learning method called crosscoders.")


def test_a_topic_bullet_quotes_what_the_paper_does_not_its_opening_background():
    """"Language models obtain extensive capabilities through pre-training." was a paper's whole bullet
    for "Which papers study how concepts develop during language model pre-training?"."""
    answer = ask("topic", "Which papers study how language models obtain capabilities through pre-training?",
                 "", [CONCEPTS, CLIMB])
    bullet = next(line for line in answer.text.splitlines() if CONCEPTS[0] in line)
    assert "we track linear interpretable feature evolution" in bullet.lower(), bullet


def test_a_sentence_joining_one_findings_verb_to_anothers_object_is_dropped():
    """"..., directly minimizing the mutual information between transformed components [1]": the paper
    minimizes the negentropy, and reports a smaller mutual information as the result."""
    gdn = ("Density Modeling of Images using a Generalized Normalization Transformation",
           "We introduce a parametric nonlinear transformation for Gaussianizing natural images. We optimize the "
           "parameters over a database of natural images, directly minimizing the negentropy of the responses. "
           "The optimized transformation achieves a significantly smaller mutual information between transformed "
           "components than ICA.")
    question = "What does the generalized normalization transformation minimize?"
    answer = ask("fact", question, "The transformation minimizes the negentropy of the responses [1]. It is "
                 "optimized over a database of natural images, directly minimizing the mutual information between "
                 "transformed components [1].", [gdn])
    assert "negentropy of the responses [1]" in answer.text
    assert "directly minimizing the mutual information" not in answer.text
    assert any("joins the start of one sentence" in (s.note or "") for s in answer.dropped)


def test_the_quotes_cover_the_finding_an_answer_states_not_only_the_name_it_opens_with():
    """The answer's specifics (PRISMATIC) chose the sentence introducing the dataset; the sentence that
    finds what the answer says (only fusion-encoded models show the correlation) was not shown."""
    priming = ("Towards Human Cognition: Visual Context Guides Syntactic Priming in Fusion-Encoded Models",
               "We introduce PRISMATIC, the first multimodal structural priming dataset. We propose a "
               "reference-free metric for structural priming. Models with both encoding methods show comparable "
               "priming effects. However, only fusion-encoded models exhibit robust positive correlations between "
               "priming effects and visual similarity.")
    answer = ask("fact", "Which models showed a correlation between priming effects and visual similarity?",
                 "PRISMATIC, the first multimodal structural priming dataset, showed that fusion-encoded models "
                 "exhibit robust positive correlations between priming effects and visual similarity [1].", [priming])
    assert "“However, only fusion-encoded models exhibit robust positive correlations" in answer.text, answer.text


HYDRA = ("The Hydra Effect: Emergent Self-repair in Language Model Computations",
         "We investigate the internal structure of language model computations using causal analysis and "
         "demonstrate two motifs: (1) a form of adaptive computation where ablations of one attention layer of a "
         "language model cause another layer to compensate (which we term the Hydra effect) and (2) a "
         "counterbalancing function of late MLP layers that act to downregulate the maximum-likelihood token. "
         "Surprisingly, these effects occur even in language models trained without any form of dropout.")
BILINEAR = ("A Mathematical Framework for Bilinear Layers",
            "In this note, I examine bilinear layers, which are a type of MLP layer that are mathematically much "
            "easier to analyze while simultaneously performing better than standard MLPs. Late layers matter.")


def test_a_sentence_cited_to_the_wrong_paper_moves_to_the_one_that_words_it():
    answer = ask("fact", "What do late MLP layers do according to the Hydra effect paper?",
                 "Late MLP layers act to downregulate the maximum-likelihood token [2].", [HYDRA, BILINEAR])
    first = answer.text.splitlines()[0]
    assert first.startswith("Late MLP layers act to downregulate the maximum-likelihood token [1]"), answer.text


def test_a_yes_that_its_own_sentence_contradicts_is_left_out():
    priming = ("On the Acquisition of Shared Grammatical Representations in Bilingual Language Models",
               "We train small bilingual models. We find that there are asymmetrical effects of crosslingual "
               "structural priming across language pairs and directions.")
    answer = ask("fact", "Are crosslingual structural priming effects symmetric across language pairs?",
                 "Yes, crosslingual structural priming effects are asymmetrical across language pairs [1].",
                 [priming, CCL])
    assert answer.text.startswith("Crosslingual structural priming effects are asymmetrical"), answer.text
