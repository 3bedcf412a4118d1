// Fills one XForm with a scenario's answers in JavaRosa, the form engine of ODK Collect,
// and prints what the engine decided: `outcome <path> <Ok|RequiredButEmpty|ConstraintViolated>`
// for every question it asked, then `node <path> <relevant> <value>` for every node of the
// instance. Paths are `name` or `repeat[n]/name`, as in forms/scenarios/. Used by
// check_scenarios.py as an independent reference for the hand-worked expectations.
//
// Input: the XForm, and a tab-separated answers file with lines `path<TAB>int|one|multi|text<TAB>value`
// and `#repeat<TAB>name<TAB>count`.
import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.javarosa.core.model.*;
import org.javarosa.core.model.data.*;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.*;
import org.javarosa.form.api.*;
import org.javarosa.xform.util.XFormUtils;

public class FillScenario {
    static FormDef form;
    static String path(TreeReference ref) {
        String repeat = null;
        for (int i = 1; i < ref.size() - 1; i++) {
            TreeElement e = form.getMainInstance().resolveReference(ref.getSubReference(i));
            if (e != null && e.isRepeatable()) repeat = ref.getName(i) + "[" + (ref.getMultiplicity(i) + 1) + "]";
        }
        String name = ref.getName(ref.size() - 1);
        return repeat == null ? name : repeat + "/" + name;
    }

    static void dump(TreeElement e, String repeat, PrintStream out) {
        for (int i = 0; i < e.getNumChildren(); i++) {
            TreeElement c = (TreeElement) e.getChildAt(i);
            if (c.getMult() == TreeReference.INDEX_TEMPLATE) continue;
            String rep = repeat;
            boolean isRepeat = c.isRepeatable();
            if (isRepeat) rep = c.getName() + "[" + (c.getMult() + 1) + "]";
            String p = (isRepeat || repeat == null) ? c.getName() : repeat + "/" + c.getName();
            if (isRepeat) p = rep;
            IAnswerData v = c.getValue();
            out.println("node\t" + p + "\t" + c.isRelevant() + "\t" + (v == null ? "" : v.uncast().getString()));
            dump(c, rep, out);
        }
    }

    public static void main(String[] args) throws Exception {
        FormDef fd = XFormUtils.getFormFromInputStream(new FileInputStream(args[0]));
        fd.initialize(true, new InstanceInitializationFactory());
        form = fd;
        Map<String, String[]> answers = new HashMap<>();
        Map<String, Integer> repeats = new HashMap<>();
        for (String line : Files.readAllLines(Paths.get(args[1]))) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("#repeat")) repeats.put(f[1], Integer.parseInt(f[2]));
            else answers.put(f[0], new String[] {f[1], f[2]});
        }
        FormEntryModel model = new FormEntryModel(fd);
        FormEntryController fec = new FormEntryController(model);
        Set<String> seenRepeats = new HashSet<>();
        Map<String, Integer> made = new HashMap<>();
        // The answers given, so the second pass re-checks refused (invalid) ones too.
        Map<String, IAnswerData> given = new HashMap<>();
        PrintStream out = System.out;
        int event;
        while ((event = fec.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            FormIndex index = model.getFormIndex();
            TreeReference ref = index.getReference();
            if (event == FormEntryController.EVENT_REPEAT) {
                String key = ref.toString();
                if (seenRepeats.add(key)) {
                    String name = ref.getName(ref.size() - 1);
                    made.merge(name, 1, Integer::sum);
                }
            } else if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                String name = ref.getName(ref.size() - 1);
                if (made.getOrDefault(name, 0) < repeats.getOrDefault(name, 0)) {
                    fec.newRepeat();
                    seenRepeats.add(model.getFormIndex().getReference().toString());
                    made.merge(name, 1, Integer::sum);
                }
            } else if (event == FormEntryController.EVENT_QUESTION) {
                FormEntryPrompt prompt = model.getQuestionPrompt();
                if (prompt.isReadOnly()) continue;
                String p = path(ref);
                String[] a = answers.get(p);
                IAnswerData data = null;
                if (a != null) {
                    switch (a[0]) {
                        case "int": data = new IntegerData(Integer.parseInt(a[1])); break;
                        case "one": data = new SelectOneData(new Selection(a[1])); break;
                        case "multi": {
                            List<Selection> sel = new ArrayList<>();
                            for (String s : a[1].trim().split("\\s+")) sel.add(new Selection(s));
                            data = new SelectMultiData(sel);
                            break;
                        }
                        default: data = new StringData(a[1]);
                    }
                }
                fec.answerQuestion(data, true);
                if (data != null) given.put(p, data);
            }
        }
        // Outcomes are those of the finished fill, as Lantern reports them: a required
        // expression may depend on a later answer (e.g. interview_status), so walk the
        // form again and re-check every question with the value it now holds.
        fec.jumpToIndex(FormIndex.createBeginningOfFormIndex());
        while ((event = fec.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            if (event != FormEntryController.EVENT_QUESTION) continue;
            FormEntryPrompt prompt = model.getQuestionPrompt();
            if (prompt.isReadOnly()) continue;
            String p = path(model.getFormIndex().getReference());
            IAnswerData data = given.containsKey(p) ? given.get(p) : prompt.getAnswerValue();
            int r = fec.answerQuestion(data, true);
            String o = r == FormEntryController.ANSWER_OK ? "Ok"
                    : r == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY ? "RequiredButEmpty"
                    : r == FormEntryController.ANSWER_CONSTRAINT_VIOLATED ? "ConstraintViolated" : ("?" + r);
            out.println("outcome\t" + p + "\t" + o);
        }
        dump(fd.getMainInstance().getRoot(), null, out);
    }
}
