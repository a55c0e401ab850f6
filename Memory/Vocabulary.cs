using System.Collections.Frozen;

namespace FriendLite.Edge.Memory;

/// <summary>
/// The English words the offline extractor decides by. They are lists, not a grammar: short, so a
/// wrong decision can be traced to one word and fixed by a test and one edit here.
/// </summary>
internal static class Vocabulary
{
    /// <summary>Words that carry no topic: articles, pronouns, auxiliaries, prepositions, conjunctions, fillers.</summary>
    public static readonly FrozenSet<string> FunctionWords = Set(
        "a", "an", "the", "and", "or", "but", "if", "then", "so", "of", "to", "in", "on", "at", "by", "for", "with",
        "from", "about", "as", "into", "over", "under", "up", "down", "out", "off", "than", "because", "while",
        "is", "are", "was", "were", "be", "been", "being", "am", "have", "has", "had", "do", "does", "did",
        "will", "would", "can", "could", "should", "shall", "may", "might", "must", "i", "me", "my", "mine",
        "myself", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them",
        "their", "this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose",
        "when", "where", "why", "how", "not", "no", "just", "really", "very", "too", "also", "some", "any", "all",
        "more", "most", "much", "many", "such", "own", "same", "again", "still", "only", "even", "ever", "never",
        "now", "well", "yeah", "yes", "okay", "ok", "oh", "um", "uh", "i'm", "i'll", "i've", "i'd", "don't",
        "doesn't", "didn't", "can't", "won't", "it's", "that's", "there's", "let's", "we're", "you're", "they're",
        "he's", "she's", "gonna", "wanna", "gotta", "got", "longer", "anymore", "user", "user's", "one", "lot",
        "actually", "usually", "always", "often", "sometimes", "kind", "sort", "thing", "things", "something",
        "near", "behind", "across", "through", "after", "before", "during", "without", "within", "between", "around",
        "against", "among", "along", "since", "until", "via", "per", "next", "onto", "toward", "towards", "every",
        "each", "other", "another", "used");

    /// <summary>The words of greetings, thanks and back-channel talk: a sentence made only of them says nothing.</summary>
    public static readonly FrozenSet<string> FillerWords = Set(
        "ok", "okay", "yeah", "yes", "yep", "no", "nope", "right", "alright", "sure", "thanks", "thank", "you",
        "good", "morning", "afternoon", "evening", "night", "hi", "hello", "hey", "bye", "goodbye", "see", "later",
        "um", "uh", "hmm", "mm", "so", "well", "great", "cool", "nice", "oh", "ah", "wow", "fine", "please", "cheers",
        "welcome", "perfect", "awesome", "anyway", "sorry", "excuse", "me", "i", "mean", "guess", "know", "just",
        "all", "it", "that's", "it's", "is", "for", "watching", "everyone", "everybody", "there", "guys", "man",
        "really", "totally", "exactly", "absolutely", "of", "course", "the", "a", "and", "too", "much", "very",
        "soon", "take", "care", "have", "day", "how", "are", "doing", "what's", "up", "i'm", "im", "let's", "go",
        "then", "bit", "wait", "minute", "second", "hold", "on", "uh-huh", "mhm", "true", "indeed", "got", "agreed");

    /// <summary>Verbs a request or an intention is made of ("please buy", "can you call", "I'll send").</summary>
    public static readonly FrozenSet<string> ActionVerbs = Set(
        "buy", "get", "grab", "pick", "collect", "fetch", "bring", "take", "call", "ring", "phone", "text", "email",
        "message", "send", "mail", "post", "book", "reserve", "order", "pay", "schedule", "cancel", "renew", "return",
        "fix", "repair", "clean", "wash", "water", "feed", "walk", "print", "sign", "write", "check", "ask", "tell",
        "remind", "invite", "visit", "meet", "prepare", "organise", "organize", "arrange", "finish", "submit", "file",
        "review", "update", "charge", "fill", "change", "replace", "install", "move", "sell", "drop", "lock", "turn",
        "put", "make", "cook", "bake", "plan", "register", "apply", "contact", "confirm", "follow", "pack", "refill",
        "upload", "download", "reply", "respond", "share", "clear", "empty", "iron", "mow", "go", "drive",
        "look", "read", "study", "practice", "practise", "start", "hire", "rent", "set", "test",
        "try", "cut", "paint", "vacuum", "defrost", "tidy", "sort", "backup", "back", "talk", "speak", "record");

    /// <summary>The verbs a plain imperative may start with ("Buy oat milk."): few, as a sentence start is weak evidence.</summary>
    public static readonly FrozenSet<string> ImperativeVerbs = Set(
        "buy", "call", "book", "email", "text", "send", "pay", "order", "pick", "schedule", "renew", "cancel",
        "ring", "phone", "reserve");

    /// <summary>First words after "I need to", "let's", "we should" that make no task: "let's see", "I have to say".</summary>
    public static readonly FrozenSet<string> NotTasks = Set(
        "be", "see", "say", "admit", "think", "know", "guess", "bet", "wonder", "hope", "wait", "sleep", "leave",
        "understand", "believe", "face", "imagine", "assume", "suppose", "pretend", "agree", "disagree", "stop",
        "the", "a", "an", "my", "your", "our", "this", "that", "it", "there", "so", "not", "never", "no",
        "keep", "calm", "relax", "rest", "hurry", "hear", "feel", "eat", "pee", "breathe",
        "focus", "pause", "like", "love", "hate", "want", "forget", "laugh", "cry", "celebrate", "break", "remember",
        "mention", "point", "note", "confess", "warn");

    /// <summary>Words that make a description say nothing on their own: "do it", "go now", "call you".</summary>
    public static readonly FrozenSet<string> VagueWords = Set(
        "it", "this", "that", "them", "me", "you", "him", "her", "us", "there", "here", "then", "now", "so", "again",
        "too", "please", "up", "out", "off", "back", "soon", "later", "something", "anything", "everything", "stuff",
        "some", "one", "more", "all", "a", "an", "the", "on", "in", "together", "away", "over", "around", "first",
        "quickly", "asap", "today", "things", "somewhere", "sometime", "home", "right", "well", "started", "going",
        "moving", "ready", "done");

    /// <summary>Words right after "I'm" that make a passing state, not a fact: "I'm tired", "I'm at work".</summary>
    public static readonly FrozenSet<string> PassingStates = Set(
        "tired", "hungry", "thirsty", "fine", "good", "great", "ok", "okay", "sorry", "sure", "done", "ready",
        "busy", "late", "early", "back", "here", "there", "home", "bored", "cold", "hot", "excited", "happy", "glad",
        "confused", "lost", "serious", "kidding", "joking", "listening", "coming", "going", "leaving", "doing",
        "trying", "looking", "waiting", "thinking", "getting", "heading", "having", "sitting", "talking", "starting",
        "on", "off", "in", "out", "at", "with", "near", "outside", "inside", "over", "under", "up", "down", "about",
        "just", "almost", "gonna", "afraid", "calling", "saying", "telling", "asking", "wondering", "curious", "all",
        "right", "alright", "stuck", "running", "driving", "walking", "eating", "working", "free", "away", "fed");

    /// <summary>Openings that report a thought or a reply, not a fact: "I think", "I don't know".</summary>
    public static readonly string[] NotFactOpenings =
    [
        "i think", "i guess", "i mean", "i know", "i don't know", "i dont know", "i see", "i wonder", "i suppose",
        "i bet", "i hope", "i believe", "i'm not sure", "i am not sure", "i'll", "i will", "i'd", "i was just",
        "i told", "i said", "i asked", "i thought", "i feel like", "i can't believe", "i forgot", "i heard",
        "i got", "i just", "i need", "i have to", "i had to", "i want to say", "i agree", "i disagree", "i get it",
        "i understand", "i remember", "i noticed", "i saw", "i was wondering", "i would", "i should", "i must",
        "i could", "i can", "i may", "i might", "i did", "i didn't", "i went", "i came", "i was", "i've got",
        "i have got", "i gotta", "i'm going to", "i am going to", "i'm gonna", "i ought", "my plan", "i plan",
    ];

    /// <summary>Adverbs at the start of a description that add nothing to it: "just call", "really need to".</summary>
    public static readonly FrozenSet<string> LeadingAdverbs = Set(
        "just", "really", "also", "definitely", "quickly", "still", "then", "maybe", "actually", "probably",
        "first", "please", "totally", "seriously", "absolutely", "certainly", "finally", "urgently", "somehow");

    /// <summary>Words that open a sentence without adding to it: "so", "oh", "and also".</summary>
    public static readonly FrozenSet<string> OpeningFillers = Set(
        "so", "well", "oh", "and", "but", "also", "actually", "yeah", "yes", "um", "uh", "okay", "ok", "anyway",
        "hey", "alright", "right", "oh,", "then", "now", "plus", "btw");

    /// <summary>Words that tie a memory to the day it was said ("tomorrow", "Friday"): those belong to action items.</summary>
    public static readonly FrozenSet<string> RelativeDayWords = Set(
        "today", "tomorrow", "tonight", "yesterday", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "weekend");

    private static FrozenSet<string> Set(params string[] words) => words.ToFrozenSet(StringComparer.Ordinal);
}
