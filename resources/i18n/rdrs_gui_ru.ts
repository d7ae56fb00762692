<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>Actions</name>
    <message>
        <source>Next suggestion</source>
        <translation>Следующее предложение</translation>
    </message>
    <message>
        <source>Walk pending suggestions in reading order; the view follows.</source>
        <translation>Перебор ожидающих предложений в порядке чтения; вид следует за ними.</translation>
    </message>
    <message>
        <source>Previous suggestion</source>
        <translation>Предыдущее предложение</translation>
    </message>
    <message>
        <source>Accept suggestion</source>
        <translation>Принять предложение</translation>
    </message>
    <message>
        <source>Accept the current suggestion and go to the next one.</source>
        <translation>Принять текущее предложение и перейти к следующему.</translation>
    </message>
    <message>
        <source>Reject suggestion</source>
        <translation>Отклонить предложение</translation>
    </message>
    <message>
        <source>Reject the current suggestion; it never comes back for this document.</source>
        <translation>Отклонить текущее предложение; для этого документа оно больше не появится.</translation>
    </message>
    <message>
        <source>Accept all visible suggestions</source>
        <translation>Принять все видимые предложения</translation>
    </message>
    <message>
        <source>Reject all visible suggestions</source>
        <translation>Отклонить все видимые предложения</translation>
    </message>
    <message>
        <source>Next span</source>
        <translation>Следующий фрагмент</translation>
    </message>
    <message>
        <source>Previous span</source>
        <translation>Предыдущий фрагмент</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>Снять выделение</translation>
    </message>
    <message>
        <source>First clears the text selection, then the current span.</source>
        <translation>Сначала снимает выделение текста, затем текущий фрагмент.</translation>
    </message>
    <message>
        <source>Grow span end by a token</source>
        <translation>Расширить конец фрагмента на слово</translation>
    </message>
    <message>
        <source>With a caret (after an arrow key) Shift+arrows extend the text selection instead.</source>
        <translation>Если есть курсор (после клавиши со стрелкой), Shift+стрелки расширяют выделение текста.</translation>
    </message>
    <message>
        <source>Shrink span end by a token</source>
        <translation>Сузить конец фрагмента на слово</translation>
    </message>
    <message>
        <source>Grow span start by a token</source>
        <translation>Расширить начало фрагмента на слово</translation>
    </message>
    <message>
        <source>Shrink span start by a token</source>
        <translation>Сузить начало фрагмента на слово</translation>
    </message>
    <message>
        <source>Grow span end by a character</source>
        <translation>Расширить конец фрагмента на символ</translation>
    </message>
    <message>
        <source>Shrink span end by a character</source>
        <translation>Сузить конец фрагмента на символ</translation>
    </message>
    <message>
        <source>Grow span start by a character</source>
        <translation>Расширить начало фрагмента на символ</translation>
    </message>
    <message>
        <source>Shrink span start by a character</source>
        <translation>Сузить начало фрагмента на символ</translation>
    </message>
    <message>
        <source>Add selection as a fragment</source>
        <translation>Добавить выделение как часть</translation>
    </message>
    <message>
        <source>Select more text, then press + to make the current span discontinuous.</source>
        <translation>Выделите ещё текст и нажмите +, чтобы сделать текущий фрагмент разрывным.</translation>
    </message>
    <message>
        <source>Remove fragment</source>
        <translation>Удалить часть</translation>
    </message>
    <message>
        <source>Removes the fragment under the selection, else the last one.</source>
        <translation>Удаляет часть под выделением, иначе последнюю.</translation>
    </message>
    <message>
        <source>Delete span</source>
        <translation>Удалить фрагмент</translation>
    </message>
    <message>
        <source>On a suggestion this rejects it.</source>
        <translation>Для предложения — отклоняет его.</translation>
    </message>
    <message>
        <source>Edit attributes…</source>
        <translation>Атрибуты…</translation>
    </message>
    <message>
        <source>MedFrom, MedMaker and normalisation codes (ATC, MKB10, MedDRA).</source>
        <translation>MedFrom, MedMaker и коды нормализации (ATC, МКБ-10, MedDRA).</translation>
    </message>
    <message>
        <source>Add to a chain…</source>
        <translation>Добавить в цепочку…</translation>
    </message>
    <message>
        <source>Add the current span or selection to a chain of the kind shown (most recent first; K shows the next kind) or start a new one.</source>
        <translation>Добавить текущий фрагмент или выделение в цепочку показанного вида (сначала недавние; K — следующий вид) или начать новую.</translation>
    </message>
    <message>
        <source>Remove from its chain of the kind shown</source>
        <translation>Убрать из цепочки показанного вида</translation>
    </message>
    <message>
        <source>Add to coreference chain…</source>
        <translation type="vanished">Добавить в цепочку кореференции…</translation>
    </message>
    <message>
        <source>Add the current span or selection to a chain (most recent first) or start a new one.</source>
        <translation type="vanished">Добавить текущий фрагмент или выделение в цепочку (сначала недавние) или начать новую.</translation>
    </message>
    <message>
        <source>Remove from coreference chain</source>
        <translation type="vanished">Убрать из цепочки кореференции</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Mark document done</source>
        <translation>Отметить документ готовым</translation>
    </message>
    <message>
        <source>Done and next document</source>
        <translation>Готово и следующий документ</translation>
    </message>
    <message>
        <source>Next document</source>
        <translation>Следующий документ</translation>
    </message>
    <message>
        <source>The next document that is not done, in the list&apos;s current order.</source>
        <translation>Следующий неготовый документ в текущем порядке списка.</translation>
    </message>
    <message>
        <source>Previous document</source>
        <translation>Предыдущий документ</translation>
    </message>
    <message>
        <source>Keyboard cheat-sheet</source>
        <translation>Шпаргалка по клавишам</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Предложения</translation>
    </message>
    <message>
        <source>Navigate</source>
        <translation>Навигация</translation>
    </message>
    <message>
        <source>Spans</source>
        <translation>Фрагменты</translation>
    </message>
    <message>
        <source>Coreference</source>
        <translation>Кореференция</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Правка</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Документ</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>Справка</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>View</source>
        <translation>Вид</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Теги</translation>
    </message>
    <message>
        <source>{action}: {key} is already used by {other}</source>
        <translation>{action}: {key} уже занято командой «{other}»</translation>
    </message>
    <message>
        <source>Unknown action {id!r}.</source>
        <translation>Неизвестная команда {id!r}.</translation>
    </message>
    <message>
        <source>{key!r} is not a single key combination.</source>
        <translation>{key!r} — не одно сочетание клавиш.</translation>
    </message>
    <message>
        <source>{key} is already used by “{action}”.</source>
        <translation>{key} уже занято командой «{action}».</translation>
    </message>
    <message>
        <source>{key} is now used by “{action}”.</source>
        <translation>{key} теперь занято командой «{action}».</translation>
    </message>
    <message>
        <source>Pre-annotate…</source>
        <translation>Предразметка…</translation>
    </message>
    <message>
        <source>Let the active model suggest annotations for a batch of documents</source>
        <translation>Активная модель предлагает разметку для пакета документов</translation>
    </message>
    <message>
        <source>Retrain</source>
        <translation>Переобучить</translation>
    </message>
    <message>
        <source>Train a new model on the documents marked done (and gold); keep working meanwhile</source>
        <translation>Обучить новую модель на готовых документах (и эталоне); работу можно продолжать</translation>
    </message>
    <message>
        <source>Train ADR classifier</source>
        <translation>Обучить классификатор НР</translation>
    </message>
    <message>
        <source>Train the classifier that orders the queue by ADR probability: reviews marked done with an ADR span count as ADR reports, the others as not</source>
        <translation>Обучить классификатор, упорядочивающий очередь по вероятности НР: готовые отзывы с фрагментом ADR считаются сообщениями о НР, остальные — нет</translation>
    </message>
    <message>
        <source>Retrain coreference</source>
        <translation>Переобучить кореференцию</translation>
    </message>
    <message>
        <source>Train the coreference model on the chains of the documents marked done (and gold), continuing from the active coreference model if there is one</source>
        <translation>Обучить модель кореференции на цепочках готовых (и эталонных) документов, продолжая активную модель кореференции, если она есть</translation>
    </message>
    <message>
        <source>Model registry…</source>
        <translation>Реестр моделей…</translation>
    </message>
    <message>
        <source>Compare model versions, activate one, roll back</source>
        <translation>Сравнить версии моделей, активировать, откатить</translation>
    </message>
    <message>
        <source>Jobs panel</source>
        <translation>Панель заданий</translation>
    </message>
    <message>
        <source>Queue: most uncertain first</source>
        <translation>Очередь: сначала самые неуверенные</translation>
    </message>
    <message>
        <source>Order the document list by model uncertainty: the most useful documents come next</source>
        <translation>Упорядочить список по неуверенности модели: самые полезные документы — первыми</translation>
    </message>
    <message>
        <source>Queue: most likely ADR first</source>
        <translation>Очередь: сначала вероятные НР</translation>
    </message>
    <message>
        <source>Order the document list by ADR probability</source>
        <translation>Упорядочить список по вероятности НР</translation>
    </message>
    <message>
        <source>Import files…</source>
        <translation>Импорт файлов…</translation>
    </message>
    <message>
        <source>Import annotated or raw documents; the format is detected.</source>
        <translation>Импорт размеченных или сырых документов; формат определяется автоматически.</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>Импорт папки…</translation>
    </message>
    <message>
        <source>Import a folder (brat, a folder of JSONL or text files).</source>
        <translation>Импорт папки (brat, папка файлов JSONL или текстовых).</translation>
    </message>
    <message>
        <source>Import files as format…</source>
        <translation>Импорт файлов в формате…</translation>
    </message>
    <message>
        <source>Name the format of files that are not recognised.</source>
        <translation>Указать формат нераспознанных файлов.</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Экспорт…</translation>
    </message>
    <message>
        <source>Open database…</source>
        <translation>Открыть базу данных…</translation>
    </message>
    <message>
        <source>Open another SQLite database file; the app restarts in it next time too.</source>
        <translation>Открыть другой файл базы SQLite; в следующий раз приложение откроется в нём же.</translation>
    </message>
    <message>
        <source>Load demo project</source>
        <translation>Загрузить демо-проект</translation>
    </message>
    <message>
        <source>Twelve synthetic Russian reviews with overlapping and discontinuous spans.</source>
        <translation>Двенадцать синтетических русских отзывов с перекрывающимися и разрывными фрагментами.</translation>
    </message>
    <message>
        <source>Change annotator…</source>
        <translation>Сменить аннотатора…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Search documents</source>
        <translation>Поиск документов</translation>
    </message>
    <message>
        <source>Back to the editor</source>
        <translation>Вернуться в редактор</translation>
    </message>
    <message>
        <source>Keyboard shortcuts…</source>
        <translation>Сочетания клавиш…</translation>
    </message>
</context>
<context>
    <name>AdrBar</name>
    <message>
        <source>ADR report likely</source>
        <translation>Вероятно, сообщение о НР</translation>
    </message>
    <message>
        <source>ADR report unlikely</source>
        <translation>Вряд ли сообщение о НР</translation>
    </message>
    <message>
        <source>The ADR classifier&apos;s probability that this review reports an adverse drug reaction; the verdict uses the threshold tuned when it was trained.</source>
        <translation>Вероятность по классификатору НР, что отзыв сообщает о нежелательной реакции; вывод использует порог, подобранный при обучении.</translation>
    </message>
    <message>
        <source>Scored by: {source}.</source>
        <translation>Оценка: {source}.</translation>
    </message>
    <message>
        <source>Not scored: no ADR classifier has scored this review, and the tagger&apos;s suggestions are no probability that it reports an ADR.</source>
        <translation>Не оценено: ни один классификатор НР не оценивал этот отзыв, а предложения теггера — не вероятность сообщения о НР.</translation>
    </message>
    <message>
        <source>Pre-annotated by: {source}.</source>
        <translation>Предразметка: {source}.</translation>
    </message>
    <message>
        <source>The tagger&apos;s most confident ADR suggestion scores {score} (one span&apos;s confidence).</source>
        <translation>Самое уверенное предложение ADR теггера: {score} (уверенность в одном фрагменте).</translation>
    </message>
    <message>
        <source>The tagger suggested no ADR span.</source>
        <translation>Теггер не предложил ни одного фрагмента ADR.</translation>
    </message>
    <message>
        <source>Model → Train ADR classifier gives reviews a score.</source>
        <translation>Модель → Обучить классификатор НР даёт отзывам оценку.</translation>
    </message>
    <message>
        <source>ADR: not scored</source>
        <translation>НР: не оценено</translation>
    </message>
    <message>
        <source>Show the sentence</source>
        <translation>Показать предложение</translation>
    </message>
    <message>
        <source>Scroll to the highlighted sentence that drove the classifier&apos;s score</source>
        <translation>Прокрутить к выделенному предложению, определившему оценку классификатора</translation>
    </message>
</context>
<context>
    <name>AgreementDialog</name>
    <message>
        <source>Inter-annotator agreement</source>
        <translation>Согласие аннотаторов</translation>
    </message>
    <message>
        <source>Span: strict</source>
        <translation>Границы: строго</translation>
    </message>
    <message>
        <source>Span: intersection</source>
        <translation>Границы: пересечение</translation>
    </message>
    <message>
        <source>Tag: strict</source>
        <translation>Тег: строго</translation>
    </message>
    <message>
        <source>Tag: ignored</source>
        <translation>Тег: не учитывается</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Тег</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Документы</translation>
    </message>
    <message>
        <source>Strict %</source>
        <translation>Строго, %</translation>
    </message>
    <message>
        <source>Intersection %</source>
        <translation>Пересечение, %</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Документ</translation>
    </message>
    <message>
        <source>Agreement %</source>
        <translation>Согласие, %</translation>
    </message>
    <message>
        <source>Click a cell of the matrix to see that pair&apos;s tags and documents.</source>
        <translation>Щёлкните ячейку матрицы, чтобы увидеть теги и документы этой пары.</translation>
    </message>
    <message>
        <source>No annotator has marked a document done yet.</source>
        <translation>Ни один аннотатор ещё не отметил документ готовым.</translation>
    </message>
    <message>
        <source>{n} documents both marked done</source>
        <translation>Документов, готовых у обоих: {n}</translation>
    </message>
    <message>
        <source>Average over pairs: {value} %</source>
        <translation>Среднее по парам: {value} %</translation>
    </message>
    <message>
        <source>{a} and {b}: {n} documents</source>
        <translation>{a} и {b}: документов {n}</translation>
    </message>
</context>
<context>
    <name>AnnotatorDialog</name>
    <message>
        <source>Who is annotating?</source>
        <translation>Кто размечает?</translation>
    </message>
    <message>
        <source>e.g. Anna</source>
        <translation>например, Анна</translation>
    </message>
    <message>
        <source>Your name keeps your annotations and review states apart from other annotators&apos; in this database. It is asked once; change it later in the File menu.</source>
        <translation>Ваше имя отделяет вашу разметку и состояния отзывов от разметки других аннотаторов в этой базе. Оно спрашивается один раз; сменить его можно в меню «Файл».</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Cannot open database</source>
        <translation>Не удаётся открыть базу данных</translation>
    </message>
    <message>
        <source>{error}

Opening the default database {fallback} instead; use File → Open database to choose another.</source>
        <translation>{error}

Вместо неё открывается база по умолчанию {fallback}; другую можно выбрать: Файл → Открыть базу данных.</translation>
    </message>
    <message>
        <source>{error}

Start rdrs-gui with --db PATH.</source>
        <translation>{error}

Запустите rdrs-gui с --db ПУТЬ.</translation>
    </message>
</context>
<context>
    <name>AttributeMenu</name>
    <message>
        <source>{name} (empty removes it):</source>
        <translation>{name} (пустое значение удаляет его):</translation>
    </message>
</context>
<context>
    <name>ChainKinds</name>
    <message>
        <source>Coreference</source>
        <translation>Кореференция</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>Контекст</translation>
    </message>
</context>
<context>
    <name>ChainPicker</name>
    <message>
        <source>Add to a chain</source>
        <translation>Добавить в цепочку</translation>
    </message>
    <message>
        <source>Add to a {kind} chain</source>
        <translation>Добавить в цепочку {kind}</translation>
    </message>
    <message>
        <source>&amp;New {kind} chain</source>
        <translation>&amp;Новая цепочка {kind}</translation>
    </message>
    <message>
        <source>K  kind shown: {kind} (next: {next})</source>
        <translation>K  показан вид: {kind} (далее: {next})</translation>
    </message>
    <message>
        <source>all kinds</source>
        <translation>все виды</translation>
    </message>
</context>
<context>
    <name>ChainsPanel</name>
    <message>
        <source>Which kind of chain to show and to start: coreference chains, RDRS Context groups, or every kind</source>
        <translation>Какие цепочки показывать и создавать: цепочки кореференции, группы Context из RDRS или все виды</translation>
    </message>
    <message>
        <source>New chain</source>
        <translation>Новая цепочка</translation>
    </message>
    <message>
        <source>Add to chain</source>
        <translation>В цепочку</translation>
    </message>
    <message>
        <source>Remove mention</source>
        <translation>Убрать упоминание</translation>
    </message>
    <message>
        <source>Merge chains</source>
        <translation>Объединить цепочки</translation>
    </message>
    <message>
        <source>Split off</source>
        <translation>Отделить</translation>
    </message>
    <message>
        <source>Delete chain</source>
        <translation>Удалить цепочку</translation>
    </message>
    <message>
        <source>Start a new chain with the selected mention</source>
        <translation>Начать новую цепочку с выбранного упоминания</translation>
    </message>
    <message>
        <source>Add the selected mention to the chain selected here</source>
        <translation>Добавить выбранное упоминание в выбранную здесь цепочку</translation>
    </message>
    <message>
        <source>Remove the selected mention(s) from their chain</source>
        <translation>Убрать выбранные упоминания из их цепочки</translation>
    </message>
    <message>
        <source>Merge the selected chains into the first one</source>
        <translation>Объединить выбранные цепочки в первую</translation>
    </message>
    <message>
        <source>Move the selected mentions of one chain into a new chain</source>
        <translation>Перенести выбранные упоминания одной цепочки в новую цепочку</translation>
    </message>
    <message>
        <source>Delete the selected chain(s)</source>
        <translation>Удалить выбранные цепочки</translation>
    </message>
    <message>
        <source>All kinds ({n})</source>
        <translation>Все виды ({n})</translation>
    </message>
    <message>
        <source>Chain {number}, kind {kind}, mentions: {n}</source>
        <translation>Цепочка {number}, вид {kind}, упоминаний: {n}</translation>
    </message>
    <message>
        <source>Start a new {kind} chain with the selected mention</source>
        <translation>Начать новую цепочку {kind} с выбранного упоминания</translation>
    </message>
    <message>
        <source>Select a span or some text to start a chain or add a mention.</source>
        <translation>Выберите фрагмент или текст, чтобы начать цепочку или добавить упоминание.</translation>
    </message>
    <message>
        <source>Selected mention: «{words}»</source>
        <translation>Выбранное упоминание: «{words}»</translation>
    </message>
    <message>
        <source>Add mention to chain</source>
        <translation>Добавить упоминание в цепочку</translation>
    </message>
    <message>
        <source>Remove mentions</source>
        <translation>Убрать упоминания</translation>
    </message>
    <message>
        <source>Split chain</source>
        <translation>Разделить цепочку</translation>
    </message>
    <message numerus="yes">
        <source>All kinds (%n chain(s))</source>
        <translation type="vanished">
            <numerusform>Все виды (%n цепочка)</numerusform>
            <numerusform>Все виды (%n цепочки)</numerusform>
            <numerusform>Все виды (%n цепочек)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n chain(s))</source>
        <translation type="vanished">
            <numerusform>%1 (%n цепочка)</numerusform>
            <numerusform>%1 (%n цепочки)</numerusform>
            <numerusform>%1 (%n цепочек)</numerusform>
        </translation>
    </message>
    <message>
        <source> (suggested)</source>
        <translation> (предложено)</translation>
    </message>
    <message numerus="yes">
        <source>Chain %1, kind %2, %n mention(s)</source>
        <translation type="vanished">
            <numerusform>Цепочка %1, вид %2, %n упоминание</numerusform>
            <numerusform>Цепочка %1, вид %2, %n упоминания</numerusform>
            <numerusform>Цепочка %1, вид %2, %n упоминаний</numerusform>
        </translation>
    </message>
    <message>
        <source>Start a new %1 chain with the selected mention</source>
        <translation type="vanished">Начать новую цепочку %1 с выбранного упоминания</translation>
    </message>
</context>
<context>
    <name>CheatSheet</name>
    <message>
        <source>caret by a word (with Alt: by a character)</source>
        <translation>курсор на слово (с Alt — на символ)</translation>
    </message>
    <message>
        <source>select new text from the caret (with no caret, they resize the current span)</source>
        <translation>выделить новый текст от курсора (без курсора — изменяют границы текущего фрагмента)</translation>
    </message>
    <message>
        <source>caret to the line above / below, the line&apos;s start / end</source>
        <translation>курсор на строку выше / ниже, в начало / конец строки</translation>
    </message>
    <message>
        <source>start / end of the document</source>
        <translation>начало / конец документа</translation>
    </message>
    <message>
        <source>scroll a page</source>
        <translation>прокрутка на страницу</translation>
    </message>
    <message>
        <source>in the search box: open the first hit / move into the list</source>
        <translation>в поле поиска: открыть первую находку / перейти в список</translation>
    </message>
    <message>
        <source>Caret and view</source>
        <translation>Курсор и вид</translation>
    </message>
</context>
<context>
    <name>CheatSheetDialog</name>
    <message>
        <source>Keyboard cheat-sheet</source>
        <translation>Шпаргалка по клавишам</translation>
    </message>
</context>
<context>
    <name>CodeDialog</name>
    <message>
        <source>Code {name}</source>
        <translation>Код {name}</translation>
    </message>
    <message>
        <source>Type a term or a code (Russian or English)</source>
        <translation>Введите термин или код (по-русски или по-английски)</translation>
    </message>
    <message>
        <source>No terminology of this kind is loaded (rdrs terminology import): codes cannot be checked.</source>
        <translation>Терминология этого вида не загружена (rdrs terminology import): коды нельзя проверить.</translation>
    </message>
    <message>
        <source>used for this mention before</source>
        <translation>уже давали этому упоминанию</translation>
    </message>
    <message>
        <source>suggested, score {score:.2f}</source>
        <translation>предложен, оценка {score:.2f}</translation>
    </message>
    <message>
        <source>not in the loaded terminology</source>
        <translation>нет в загруженной терминологии</translation>
    </message>
    <message>
        <source>{code} is not in the loaded terminology. Enter again to keep it anyway.</source>
        <translation>{code} нет в загруженной терминологии. Нажмите Enter ещё раз, чтобы всё же оставить его.</translation>
    </message>
    <message>
        <source>Codes: {codes}</source>
        <translation>Коды: {codes}</translation>
    </message>
</context>
<context>
    <name>CodingPlots</name>
    <message>
        <source>Coded share of mentions per tag</source>
        <translation>Доля закодированных упоминаний по тегам</translation>
    </message>
    <message>
        <source>Most frequent MedDRA codes</source>
        <translation>Самые частые коды MedDRA</translation>
    </message>
    <message>
        <source>Most frequent ATC codes</source>
        <translation>Самые частые коды ATC</translation>
    </message>
</context>
<context>
    <name>CurationDialog</name>
    <message>
        <source>Curation: {name}</source>
        <translation>Курирование: {name}</translation>
    </message>
    <message>
        <source>{key}: {name}</source>
        <translation>{key}: {name}</translation>
    </message>
    <message>
        <source>Auto-merge (unanimous)</source>
        <translation>Автослияние (единогласно)</translation>
    </message>
    <message>
        <source>Take none (0)</source>
        <translation>Ничего не брать (0)</translation>
    </message>
    <message>
        <source>Undo (Ctrl+Z)</source>
        <translation>Отменить (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>Curated result (the document&apos;s gold)</source>
        <translation>Курированный результат (эталон документа)</translation>
    </message>
    <message>
        <source>Disagreements (Tab: next)</source>
        <translation>Расхождения (Tab — следующее)</translation>
    </message>
    <message>
        <source>{kind} chains «{words}»</source>
        <translation>Цепочки {kind} «{words}»</translation>
    </message>
    <message>
        <source>{n} places where the annotators differ</source>
        <translation>Мест, где аннотаторы расходятся: {n}</translation>
    </message>
    <message>
        <source>Choose a place first (Tab).</source>
        <translation>Сначала выберите место (Tab).</translation>
    </message>
    <message>
        <source>Saved; Ctrl+Z undoes it.</source>
        <translation>Сохранено; Ctrl+Z отменяет.</translation>
    </message>
    <message>
        <source>Nothing to undo.</source>
        <translation>Нечего отменять.</translation>
    </message>
    <message>
        <source>Undone.</source>
        <translation>Отменено.</translation>
    </message>
</context>
<context>
    <name>CurveWidget</name>
    <message>
        <source>No data yet</source>
        <translation>Пока нет данных</translation>
    </message>
    <message>
        <source> (right)</source>
        <translation> (справа)</translation>
    </message>
</context>
<context>
    <name>DocumentList</name>
    <message>
        <source>Document</source>
        <translation>Документ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>ADR</source>
        <translation>НР</translation>
    </message>
    <message>
        <source>Uncert.</source>
        <translation>Неувер.</translation>
    </message>
    <message>
        <source>Spans</source>
        <translation>Фрагм.</translation>
    </message>
    <message>
        <source>Sugg</source>
        <translation>Предл.</translation>
    </message>
    <message>
        <source>Chains</source>
        <translation>Цепочки</translation>
    </message>
    <message>
        <source>Annotator</source>
        <translation>Аннотатор</translation>
    </message>
    <message>
        <source>Could not list documents: {error}</source>
        <translation>Не удалось получить список документов: {error}</translation>
    </message>
    <message>
        <source>{column}: not sortable</source>
        <translation>{column}: сортировка недоступна</translation>
    </message>
    <message>
        <source>not scored</source>
        <translation>не оценено</translation>
    </message>
    <message>
        <source>{name}: {status}; spans: {spans}, suggestions: {suggestions}, chains: {chains}; ADR probability {prob}; model uncertainty {doubt}; characters: {length}</source>
        <translation>{name}: {status}; фрагментов: {spans}, предложений: {suggestions}, цепочек: {chains}; вероятность НР {prob}; неуверенность модели {doubt}; символов: {length}</translation>
    </message>
    <message>
        <source>(shared layer)</source>
        <translation>(общий слой)</translation>
    </message>
    <message>
        <source>Any ADR probability</source>
        <translation>Любая вероятность НР</translation>
    </message>
</context>
<context>
    <name>DocumentListPanel</name>
    <message>
        <source>Search name or text…</source>
        <translation>Поиск по имени или тексту…</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Все состояния</translation>
    </message>
    <message>
        <source>Not done</source>
        <translation>Не готовые</translation>
    </message>
    <message>
        <source>Only reviews whose ADR probability (from an ADR classifier) is at least this; reviews no classifier has scored are left out</source>
        <translation>Только отзывы с вероятностью НР (по классификатору НР) не ниже этой; отзывы без оценки классификатора не показываются</translation>
    </message>
    <message>
        <source>Any label</source>
        <translation>Любой тег</translation>
    </message>
    <message>
        <source>  (loading…)</source>
        <translation>  (загрузка…)</translation>
    </message>
    <message>
        <source>{n}{more} document{loading}</source>
        <translation>Документов: {n}{more}{loading}</translation>
    </message>
    <message>
        <source>{n}{more} documents{loading}</source>
        <translation>Документов: {n}{more}{loading}</translation>
    </message>
</context>
<context>
    <name>Formats</name>
    <message>
        <source>brat standoff: a folder of .txt + .ann pairs (entities, attributes, relations, coreference)</source>
        <translation>brat standoff: папка пар .txt + .ann (сущности, атрибуты, отношения, кореференция)</translation>
    </message>
    <message>
        <source>CoNLL multi-column BIO (one column per tag, overlapping tags allowed); reads plain CoNLL too</source>
        <translation>CoNLL, многоколоночный BIO (колонка на тег, теги могут перекрываться); читает и обычный CoNLL</translation>
    </message>
    <message>
        <source>CSV/TSV of raw reviews: a text column and an optional id column</source>
        <translation>CSV/TSV сырых отзывов: колонка текста и необязательная колонка id</translation>
    </message>
    <message>
        <source>JSON lines (native, lossless): one document per line</source>
        <translation>JSON lines (родной формат, без потерь): один документ в строке</translation>
    </message>
    <message>
        <source>RDRS JSON (sagteam): reviews with multi-tag entities, relations and coreference</source>
        <translation>RDRS JSON (sagteam): отзывы с многотеговыми сущностями, отношениями и кореференцией</translation>
    </message>
    <message>
        <source>RuCoCo coreference JSON: a file, a folder of files, or the .tar.gz archive</source>
        <translation>RuCoCo JSON кореференции: файл, папка файлов или архив .tar.gz</translation>
    </message>
    <message>
        <source>RuDReC JSON lines: one sentence per line, grouped into reviews by file_name</source>
        <translation>RuDReC JSON lines: предложение в строке, объединяются в отзывы по file_name</translation>
    </message>
    <message>
        <source>Plain text: one review per .txt file (a file or a folder of them)</source>
        <translation>Простой текст: один отзыв в файле .txt (файл или папка таких файлов)</translation>
    </message>
    <message>
        <source>WebAnno TSV 3.3 (INCEpTION/WebAnno), one .tsv file per document</source>
        <translation>WebAnno TSV 3.3 (INCEpTION/WebAnno), один файл .tsv на документ</translation>
    </message>
    <message>
        <source>UIMA CAS XMI with its type system next to it (INCEpTION, DKPro Core); import only</source>
        <translation>UIMA CAS XMI с системой типов рядом (INCEpTION, DKPro Core); только импорт</translation>
    </message>
</context>
<context>
    <name>Guidelines</name>
    <message>
        <source>code</source>
        <translation>код</translation>
    </message>
    <message>
        <source>text</source>
        <translation>текст</translation>
    </message>
    <message>
        <source>flag</source>
        <translation>флаг</translation>
    </message>
    <message>
        <source>any tag</source>
        <translation>любой тег</translation>
    </message>
    <message>
        <source>{values}; on {tags}</source>
        <translation>{values}; для {tags}</translation>
    </message>
</context>
<context>
    <name>ImportExport</name>
    <message>
        <source>Nothing from a refused file was stored. Fix the file and import it again, or name its format with File → Import files as format….</source>
        <translation>Из отклонённого файла ничего не сохранено. Исправьте файл и импортируйте снова или укажите формат: Файл → Импорт файлов в формате….</translation>
    </message>
    <message>
        <source>&lt;b&gt;Import the others, skipping bad files&lt;/b&gt; imports every good document of the refused files and lists each one left out.</source>
        <translation>&lt;b&gt;Импортировать остальные, пропустив плохие&lt;/b&gt; — импортирует все хорошие документы отклонённых файлов и перечисляет пропущенные.</translation>
    </message>
    <message>
        <source>reading {file}…</source>
        <translation>чтение {file}…</translation>
    </message>
    <message>
        <source>storing documents: {n}…</source>
        <translation>сохранение документов: {n}…</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Imported {documents} document&lt;/b&gt;: {spans} spans, {chains} chains, {relations} relations.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Импортировано документов: {documents}&lt;/b&gt;; фрагментов: {spans}, цепочек: {chains}, отношений: {relations}.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Imported {documents} documents&lt;/b&gt;: {spans} spans, {chains} chains, {relations} relations.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Импортировано документов: {documents}&lt;/b&gt;; фрагментов: {spans}, цепочек: {chains}, отношений: {relations}.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Nothing was imported.&lt;/b&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Ничего не импортировано.&lt;/b&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Warnings ({n}):&lt;/p&gt;</source>
        <translation>&lt;p&gt;Предупреждения ({n}):&lt;/p&gt;</translation>
    </message>
    <message>
        <source>… and {n} more</source>
        <translation>… и ещё {n}</translation>
    </message>
    <message>
        <source>&lt;p&gt;Bad documents left out ({n}):&lt;/p&gt;</source>
        <translation>&lt;p&gt;Пропущены плохие документы ({n}):&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Refused ({n}):&lt;/p&gt;</source>
        <translation>&lt;p&gt;Отклонено ({n}):&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Importing inputs: {n}…</source>
        <translation>Импорт, входов: {n}…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Импорт</translation>
    </message>
    <message>
        <source>Import finished</source>
        <translation>Импорт завершён</translation>
    </message>
    <message>
        <source>Import the others, skipping bad files</source>
        <translation>Импортировать остальные, пропустив плохие</translation>
    </message>
    <message>
        <source>Import failed</source>
        <translation>Импорт не удался</translation>
    </message>
    <message>
        <source>{error}

The database is unchanged.</source>
        <translation>{error}

База данных не изменилась.</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Экспорт</translation>
    </message>
    <message>
        <source>file or folder to write</source>
        <translation>файл или папка для записи</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Обзор…</translation>
    </message>
    <message>
        <source>Only documents marked done or curated</source>
        <translation>Только готовые или выверенные документы</translation>
    </message>
    <message>
        <source>Include pending suggestions (never rejected ones)</source>
        <translation>Включить ожидающие предложения (отклонённые — никогда)</translation>
    </message>
    <message>
        <source>{annotator}&apos;s annotations (with the shared layer)</source>
        <translation>Разметка {annotator} (с общим слоем)</translation>
    </message>
    <message>
        <source>Shared layer</source>
        <translation>Общий слой</translation>
    </message>
    <message>
        <source>Shared layer only</source>
        <translation>Только общий слой</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Формат</translation>
    </message>
    <message>
        <source>Write to</source>
        <translation>Куда записать</translation>
    </message>
    <message>
        <source>Annotations</source>
        <translation>Разметка</translation>
    </message>
    <message>
        <source>Export into folder</source>
        <translation>Экспорт в папку</translation>
    </message>
    <message>
        <source>Export to file</source>
        <translation>Экспорт в файл</translation>
    </message>
    <message>
        <source>Exported {documents} documents ({spans} spans, {chains} chains, {relations} relations) as {format} to {out}.</source>
        <translation>Экспортировано документов: {documents} (фрагментов: {spans}, цепочек: {chains}, отношений: {relations}) в формате {format} в {out}.</translation>
    </message>
</context>
<context>
    <name>JobMessages</name>
    <message>
        <source>collecting data</source>
        <translation>сбор данных</translation>
    </message>
    <message>
        <source>scoring on the pinned evaluation set</source>
        <translation>оценка на закреплённом контрольном наборе</translation>
    </message>
    <message>
        <source>training on {total} documents: {done} marked done + {gold} with imported gold annotations ({train} to learn from, {dev} held out for dev)</source>
        <translation>обучение на документах: {total} — отмечено готовыми {done} + с импортированной эталонной разметкой {gold} (для обучения {train}, отложено для dev {dev})</translation>
    </message>
    <message>
        <source>{kept}: {version}, dev {metric} {f1}{activated}</source>
        <translation>{kept}: {version}, {metric} на dev {f1}{activated}</translation>
    </message>
    <message>
        <source>fine-tuning {base}</source>
        <translation>дообучение {base}</translation>
    </message>
    <message>
        <source>{n} pinned as the evaluation set</source>
        <translation>{n} закреплены как оценочный набор</translation>
    </message>
    <message>
        <source>of those marked done, {curated} curated and {layers} from an annotator&apos;s done layer</source>
        <translation>из отмеченных готовыми: {curated} курированы, {layers} взяты из готового слоя аннотатора</translation>
    </message>
    <message>
        <source>cancelled before it started</source>
        <translation>отменено до начала</translation>
    </message>
    <message>
        <source>cancelled before the first checkpoint; no model was kept</source>
        <translation>отменено до первой контрольной точки; модель не сохранена</translation>
    </message>
    <message>
        <source>cancelled: the app was closed</source>
        <translation>отменено: приложение закрыто</translation>
    </message>
    <message>
        <source>interrupted: the app closed before this job finished</source>
        <translation>прервано: приложение закрылось до конца задания</translation>
    </message>
    <message>
        <source>scored {scored} of {models} models on {docs} pinned documents</source>
        <translation>оценено моделей: {scored} из {models} на закреплённых документах: {docs}</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>готово</translation>
    </message>
    <message>
        <source>best checkpoint kept</source>
        <translation>лучшая контрольная точка сохранена</translation>
    </message>
    <message>
        <source>, activated</source>
        <translation>, активирована</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Job</source>
        <translation>Задание</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Ход</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Сообщение</translation>
    </message>
    <message>
        <source>Retrain</source>
        <translation>Переобучить</translation>
    </message>
    <message>
        <source>Train ADR classifier</source>
        <translation>Обучить классификатор НР</translation>
    </message>
    <message>
        <source>Retrain coreference</source>
        <translation>Переобучить кореференцию</translation>
    </message>
    <message>
        <source>Score on evaluation set</source>
        <translation>Оценка на контрольном наборе</translation>
    </message>
    <message>
        <source>{count} training documents on {device}</source>
        <translation>обучающих документов: {count}, устройство {device}</translation>
    </message>
    <message>
        <source>epoch {epoch} · loss {loss}</source>
        <translation>эпоха {epoch} · потери {loss}</translation>
    </message>
    <message>
        <source> · dev F1 {f1}</source>
        <translation> · F1 на dev {f1}</translation>
    </message>
    <message>
        <source> (best {f1})</source>
        <translation> (лучшее {f1})</translation>
    </message>
    <message>
        <source>first epoch running</source>
        <translation>идёт первая эпоха</translation>
    </message>
    <message>
        <source>Train a new tagger on the documents marked done (and gold)</source>
        <translation>Обучить новый теггер на готовых документах (и эталоне)</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>Отменить задание</translation>
    </message>
    <message>
        <source>Open log</source>
        <translation>Открыть журнал</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>эпоха</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>потери</translation>
    </message>
    <message>
        <source>dev F1</source>
        <translation>F1 на dev</translation>
    </message>
    <message>
        <source>Select a training job to see its curve</source>
        <translation>Выберите задание обучения, чтобы увидеть его кривую</translation>
    </message>
    <message>
        <source>Job {id}</source>
        <translation>Задание {id}</translation>
    </message>
</context>
<context>
    <name>LoopController</name>
    <message>
        <source>Retrain refused: {error}</source>
        <translation>Переобучение отклонено: {error}</translation>
    </message>
    <message>
        <source>Training job {id} started</source>
        <translation>Задание обучения {id} запущено</translation>
    </message>
    <message>
        <source>Training job {id} queued; it starts when job {running} ends</source>
        <translation>Задание обучения {id} в очереди; начнётся после задания {running}</translation>
    </message>
    <message>
        <source>Scoring refused: {error}</source>
        <translation>Оценка отклонена: {error}</translation>
    </message>
    <message>
        <source>Stopping job {id}; a training job keeps its best checkpoint</source>
        <translation>Остановка задания {id}; задание обучения сохранит лучшую контрольную точку</translation>
    </message>
    <message>
        <source>Active {kind} model: {version}</source>
        <translation>Активная модель {kind}: {version}</translation>
    </message>
    <message>
        <source>Rolled back: active {kind} model is {version} again</source>
        <translation>Откат: активна снова модель {kind} {version}</translation>
    </message>
    <message>
        <source>a pre-annotation is already running; cancel it or wait for it to finish</source>
        <translation>предразметка уже идёт; отмените её или дождитесь окончания</translation>
    </message>
    <message>
        <source>no active model: train one (Retrain) or activate one in the model registry</source>
        <translation>нет активной модели: обучите её (Переобучить) или активируйте в реестре моделей</translation>
    </message>
    <message>
        <source>no documents to pre-annotate</source>
        <translation>нет документов для предразметки</translation>
    </message>
</context>
<context>
    <name>LoopUi</name>
    <message>
        <source>Jobs</source>
        <translation>Задания</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Модель</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Training job {id}: {line}</source>
        <translation>Задание обучения {id}: {line}</translation>
    </message>
    <message>
        <source>Training job {id}…</source>
        <translation>Задание обучения {id}…</translation>
    </message>
    <message>
        <source>Job {id} {state}: {text}</source>
        <translation>Задание {id} — {state}: {text}</translation>
    </message>
    <message>
        <source>Pre-annotating: {progress}</source>
        <translation>Предразметка: {progress}</translation>
    </message>
    <message>
        <source>The open document got new suggestions.</source>
        <translation>Для открытого документа появились новые предложения.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Правка</translation>
    </message>
    <message>
        <source>&amp;Annotate</source>
        <translation>&amp;Разметка</translation>
    </message>
    <message>
        <source>&amp;Document</source>
        <translation>&amp;Документ</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Вид</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Документы</translation>
    </message>
    <message>
        <source>Span</source>
        <translation>Фрагмент</translation>
    </message>
    <message>
        <source>Guidelines</source>
        <translation>Инструкция</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Предложения</translation>
    </message>
    <message>
        <source>Chains</source>
        <translation>Цепочки</translation>
    </message>
    <message>
        <source>counting…</source>
        <translation>подсчёт…</translation>
    </message>
    <message>
        <source>&lt;h2&gt;This database has no documents yet&lt;/h2&gt;&lt;p&gt;Load the demo project to see how annotation works here: twelve short synthetic drug reviews with stacked, overlapping and discontinuous spans, model suggestions and coreference chains.&lt;/p&gt;&lt;p&gt;Or import your own files (brat, WebAnno TSV, RDRS JSON, JSONL, CoNLL, CSV or plain text); you can also drop them onto this window.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;В этой базе пока нет документов&lt;/h2&gt;&lt;p&gt;Загрузите демо-проект, чтобы увидеть, как здесь устроена разметка: двенадцать коротких синтетических отзывов о лекарствах с наложенными, перекрывающимися и разрывными фрагментами, предложениями модели и цепочками кореференции.&lt;/p&gt;&lt;p&gt;Или импортируйте свои файлы (brat, WebAnno TSV, RDRS JSON, JSONL, CoNLL, CSV или простой текст); их можно и перетащить в это окно.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Load the demo project</source>
        <translation>Загрузить демо-проект</translation>
    </message>
    <message>
        <source>Import files…</source>
        <translation>Импорт файлов…</translation>
    </message>
    <message>
        <source>Label with tag</source>
        <translation>Пометить тегом</translation>
    </message>
    <message>
        <source>Recent databases</source>
        <translation>Недавние базы</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Язык интерфейса</translation>
    </message>
    <message>
        <source>As the system</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>The interface will be in {language} from the next start of rdrs-gui.</source>
        <translation>Язык интерфейса ({language}) будет применён при следующем запуске rdrs-gui.</translation>
    </message>
    <message>
        <source>Could not open document {id}: {error}</source>
        <translation>Не удалось открыть документ {id}: {error}</translation>
    </message>
    <message>
        <source>Every document in this list is done. Change the filters to see others.</source>
        <translation>Все документы в этом списке готовы. Измените фильтры, чтобы увидеть другие.</translation>
    </message>
    <message>
        <source>Could not reload the document: {error}</source>
        <translation>Не удалось перезагрузить документ: {error}</translation>
    </message>
    <message>
        <source>Your last edit could not be saved: {error}. The document was reloaded from the database.</source>
        <translation>Последнюю правку не удалось сохранить: {error}. Документ перезагружен из базы.</translation>
    </message>
    <message>
        <source>Edit not saved</source>
        <translation>Правка не сохранена</translation>
    </message>
    <message>
        <source>Could not count documents: {error}</source>
        <translation>Не удалось подсчитать документы: {error}</translation>
    </message>
    <message>
        <source>{done} / {total} done</source>
        <translation>готово {done} / {total}</translation>
    </message>
    <message>
        <source>Review progress:</source>
        <translation>Ход проверки:</translation>
    </message>
    <message>
        <source>{annotator}: {done} of {total} documents done or curated</source>
        <translation>{annotator}: готово или выверено {done} из {total} документов</translation>
    </message>
    <message>
        <source>no document</source>
        <translation>нет документа</translation>
    </message>
    <message>
        <source>Import files</source>
        <translation>Импорт файлов</translation>
    </message>
    <message>
        <source>Import folder</source>
        <translation>Импорт папки</translation>
    </message>
    <message>
        <source>Import as format</source>
        <translation>Импорт в формате</translation>
    </message>
    <message>
        <source>Format of the files:</source>
        <translation>Формат файлов:</translation>
    </message>
    <message>
        <source>Import {format} files</source>
        <translation>Импорт файлов {format}</translation>
    </message>
    <message>
        <source>Import refused: {reasons}. Fix the file, or name its format: File → Import files as format…</source>
        <translation>Импорт отклонён: {reasons}. Исправьте файл или укажите формат: Файл → Импорт файлов в формате…</translation>
    </message>
    <message>
        <source>Imported {documents} documents ({spans} spans, {chains} chains).</source>
        <translation>Импортировано документов: {documents} (фрагментов: {spans}, цепочек: {chains}).</translation>
    </message>
    <message>
        <source>The demo project is already in this database.</source>
        <translation>Демо-проект уже есть в этой базе.</translation>
    </message>
    <message>
        <source>Exporting to {out}…</source>
        <translation>Экспорт в {out}…</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Экспорт не удался</translation>
    </message>
    <message>
        <source>Nothing was written to {out}.

{error}

Choose another destination or format and export again.</source>
        <translation>В {out} ничего не записано.

{error}

Выберите другое место или формат и повторите экспорт.</translation>
    </message>
    <message>
        <source>Open or create a database</source>
        <translation>Открыть или создать базу данных</translation>
    </message>
    <message>
        <source>SQLite databases (*.sqlite *.db);;All files (*)</source>
        <translation>Базы SQLite (*.sqlite *.db);;Все файлы (*)</translation>
    </message>
    <message>
        <source>Cannot open database</source>
        <translation>Не удаётся открыть базу данных</translation>
    </message>
    <message>
        <source>{error}

The current database stays open.</source>
        <translation>{error}

Текущая база остаётся открытой.</translation>
    </message>
    <message>
        <source>No document {name!r} in {database}.</source>
        <translation>Нет документа {name!r} в {database}.</translation>
    </message>
</context>
<context>
    <name>Normalisation</name>
    <message>
        <source>Normalisation…</source>
        <translation>Нормализация…</translation>
    </message>
    <message>
        <source>Import terminology…</source>
        <translation>Импорт терминологии…</translation>
    </message>
    <message>
        <source>Import terminology</source>
        <translation>Импорт терминологии</translation>
    </message>
    <message>
        <source>MedDRA (ASCII release folder)</source>
        <translation>MedDRA (папка ASCII-выпуска)</translation>
    </message>
    <message>
        <source>ICD-10 (CSV: code,name,parent)</source>
        <translation>МКБ-10 (CSV: code,name,parent)</translation>
    </message>
    <message>
        <source>ATC (CSV: code,name,parent)</source>
        <translation>ATC (CSV: code,name,parent)</translation>
    </message>
    <message>
        <source>Terminology:</source>
        <translation>Терминология:</translation>
    </message>
    <message>
        <source>MedDRA ASCII folder</source>
        <translation>Папка ASCII-выпуска MedDRA</translation>
    </message>
    <message>
        <source>Terminology table</source>
        <translation>Таблица терминологии</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Imported {count} {kind} terms.</source>
        <translation>Импортировано терминов {kind}: {count}.</translation>
    </message>
</context>
<context>
    <name>NormalisationView</name>
    <message>
        <source>Normalisation</source>
        <translation>Нормализация</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Сгруппировать</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Тег</translation>
    </message>
    <message>
        <source>Mean similarity above</source>
        <translation>Средняя близость выше</translation>
    </message>
    <message>
        <source>Group / mention</source>
        <translation>Группа / упоминание</translation>
    </message>
    <message>
        <source>Size / document</source>
        <translation>Размер / документ</translation>
    </message>
    <message>
        <source>Codes</source>
        <translation>Коды</translation>
    </message>
    <message>
        <source>Merge groups</source>
        <translation>Объединить группы</translation>
    </message>
    <message>
        <source>Split off mentions</source>
        <translation>Выделить упоминания</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Переименовать…</translation>
    </message>
    <message>
        <source>Code group…</source>
        <translation>Кодировать группу…</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Groups</source>
        <translation>Группы</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>Статистика</translation>
    </message>
    <message>
        <source>{groups} groups, {mentions} mentions, {coded} coded</source>
        <translation>Групп: {groups}, упоминаний: {mentions}, закодировано: {coded}</translation>
    </message>
    <message>
        <source>Select two or more groups to merge.</source>
        <translation>Выберите две или больше групп для объединения.</translation>
    </message>
    <message>
        <source>Select mentions to split off into a new group.</source>
        <translation>Выберите упоминания, чтобы выделить их в новую группу.</translation>
    </message>
    <message>
        <source>Select one group to rename.</source>
        <translation>Выберите одну группу для переименования.</translation>
    </message>
    <message>
        <source>Rename group</source>
        <translation>Переименовать группу</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Название:</translation>
    </message>
    <message>
        <source>Select one group of a coded tag to code.</source>
        <translation>Выберите одну группу кодируемого тега.</translation>
    </message>
    <message>
        <source>Code {name} as {code}</source>
        <translation>Код {code} для «{name}»</translation>
    </message>
</context>
<context>
    <name>PreannotateDialog</name>
    <message>
        <source>estimating time left</source>
        <translation>оценка оставшегося времени</translation>
    </message>
    <message>
        <source>about {n} s left</source>
        <translation>осталось около {n} с</translation>
    </message>
    <message>
        <source>about {n} min left</source>
        <translation>осталось около {n} мин</translation>
    </message>
    <message>
        <source>{done} / {total} documents · {rate} documents/s · {eta}</source>
        <translation>{done} / {total} документов · {rate} документов/с · {eta}</translation>
    </message>
    <message>
        <source>Cancelled after {done} of {total} documents</source>
        <translation>Отменено после {done} из {total} документов</translation>
    </message>
    <message>
        <source>Stopped after {done} of {total} documents</source>
        <translation>Остановлено после {done} из {total} документов</translation>
    </message>
    <message>
        <source>Pre-annotated {done} of {total} documents</source>
        <translation>Предразмечено {done} из {total} документов</translation>
    </message>
    <message>
        <source>({n} suggestions, {rate} documents/s)</source>
        <translation>({n} предложений, {rate} документов/с)</translation>
    </message>
    <message>
        <source>{n} marked done or curated were left out (include them explicitly to pre-annotate them)</source>
        <translation>пропущено готовых или выверенных: {n} (чтобы предразметить их, включите их явно)</translation>
    </message>
    <message>
        <source>{n} already done by this model were skipped</source>
        <translation>уже обработано этой моделью и пропущено: {n}</translation>
    </message>
    <message>
        <source>the model worker stopped and was restarted {n}×</source>
        <translation>процесс модели остановился и был перезапущен {n}×</translation>
    </message>
    <message>
        <source>{error}. Run it again to continue: finished documents are kept.</source>
        <translation>{error}. Запустите снова, чтобы продолжить: готовые документы сохранены.</translation>
    </message>
    <message>
        <source>Pre-annotate</source>
        <translation>Предразметка</translation>
    </message>
    <message>
        <source>The open document</source>
        <translation>Открытый документ</translation>
    </message>
    <message>
        <source>The documents in the list (its current filter)</source>
        <translation>Документы в списке (с его текущим фильтром)</translation>
    </message>
    <message>
        <source>All unlabelled documents (no human annotations yet)</source>
        <translation>Все неразмеченные документы (ещё без разметки человеком)</translation>
    </message>
    <message>
        <source>Include documents marked done or curated (left out otherwise)</source>
        <translation>Включить документы, отмеченные как готовые или выверенные (иначе они пропускаются)</translation>
    </message>
    <message>
        <source>Also redo documents this model has already pre-annotated</source>
        <translation>Заново обработать документы, уже предразмеченные этой моделью</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Начать</translation>
    </message>
    <message>
        <source>Cancel batch</source>
        <translation>Отменить пакет</translation>
    </message>
    <message>
        <source>Suggestions never replace human annotations, a rejected suggestion is never offered again, and documents with human annotations keep their state.</source>
        <translation>Предложения никогда не заменяют разметку человека, отклонённое предложение больше не предлагается, а документы с разметкой человека сохраняют своё состояние.</translation>
    </message>
    <message>
        <source>Active models — {models}</source>
        <translation>Активные модели — {models}</translation>
    </message>
    <message>
        <source>&lt;b&gt;No active model.&lt;/b&gt; Train one with Retrain, or activate one in the model registry.</source>
        <translation>&lt;b&gt;Нет активной модели.&lt;/b&gt; Обучите её командой «Переобучить» или активируйте в реестре моделей.</translation>
    </message>
    <message>
        <source>the open document</source>
        <translation>открытый документ</translation>
    </message>
    <message>
        <source>the documents in the list</source>
        <translation>документы в списке</translation>
    </message>
    <message>
        <source>all unlabelled documents</source>
        <translation>все неразмеченные документы</translation>
    </message>
    <message>
        <source>Not started: {why}.</source>
        <translation>Не запущено: {why}.</translation>
    </message>
    <message>
        <source>Pre-annotating {scope}…</source>
        <translation>Предразметка: {scope}…</translation>
    </message>
    <message>
        <source>Starting the model…</source>
        <translation>Запуск модели…</translation>
    </message>
    <message>
        <source>Cancelling after the batch in flight…</source>
        <translation>Отмена после текущего пакета…</translation>
    </message>
    <message>
        <source>{scope}: {n} in scope</source>
        <translation>{scope}: всего {n}</translation>
    </message>
    <message>
        <source>this run</source>
        <translation>этот запуск</translation>
    </message>
    <message>
        <source>{n} marked done or curated left out</source>
        <translation>пропущено готовых или выверенных: {n}</translation>
    </message>
    <message>
        <source>{n} already pre-annotated by these models skipped</source>
        <translation>уже предразмечено этими моделями и пропущено: {n}</translation>
    </message>
    <message>
        <source>{n} to pre-annotate</source>
        <translation>к предразметке: {n}</translation>
    </message>
</context>
<context>
    <name>RegistryDialog</name>
    <message>
        <source>Version</source>
        <translation>Версия</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Вид</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Создана</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Устройство</translation>
    </message>
    <message>
        <source>Train docs</source>
        <translation>Обуч. док.</translation>
    </message>
    <message>
        <source>Dev macro F1</source>
        <translation>Макро-F1 dev</translation>
    </message>
    <message>
        <source>Dev micro F1</source>
        <translation>Микро-F1 dev</translation>
    </message>
    <message>
        <source>Eval macro F1</source>
        <translation>Макро-F1 контр.</translation>
    </message>
    <message>
        <source>dev macro F1</source>
        <translation>макро-F1 dev</translation>
    </message>
    <message>
        <source>evaluation-set macro F1</source>
        <translation>макро-F1 на контрольном наборе</translation>
    </message>
    <message>
        <source>Model registry</source>
        <translation>Реестр моделей</translation>
    </message>
    <message>
        <source>training documents</source>
        <translation>обучающие документы</translation>
    </message>
    <message>
        <source>macro F1</source>
        <translation>макро-F1</translation>
    </message>
    <message>
        <source>No models yet: press Retrain</source>
        <translation>Моделей пока нет: нажмите «Переобучить»</translation>
    </message>
    <message>
        <source>Activate</source>
        <translation>Активировать</translation>
    </message>
    <message>
        <source>Roll back</source>
        <translation>Откатить</translation>
    </message>
    <message>
        <source>Re-activate the version that was active before the current one</source>
        <translation>Снова активировать версию, которая была активна до текущей</translation>
    </message>
    <message>
        <source>Add bundle…</source>
        <translation>Добавить модель…</translation>
    </message>
    <message>
        <source>Register a model folder trained with python -m trainer</source>
        <translation>Зарегистрировать папку модели, обученной через python -m trainer</translation>
    </message>
    <message>
        <source>Activate a new model automatically when its dev macro F1 beats the active one</source>
        <translation>Автоматически активировать новую модель, если её макро-F1 на dev выше, чем у активной</translation>
    </message>
    <message>
        <source>Evaluation set (never trained on; every model is scored on it)</source>
        <translation>Контрольный набор (на нём не обучаются; на нём оценивается каждая модель)</translation>
    </message>
    <message>
        <source>Pin the documents in the list</source>
        <translation>Закрепить документы из списка</translation>
    </message>
    <message>
        <source>Unpin all</source>
        <translation>Открепить все</translation>
    </message>
    <message>
        <source>Score all models on it</source>
        <translation>Оценить на нём все модели</translation>
    </message>
    <message>
        <source>Retrain settings</source>
        <translation>Параметры переобучения</translation>
    </message>
    <message>
        <source>&apos;embedded&apos; (offline, fast on a CPU) or a Hugging Face encoder id or folder, e.g. xlm-roberta-base (best on a GPU)</source>
        <translation>«embedded» (офлайн, быстро на CPU) или id либо папка кодировщика Hugging Face, например xlm-roberta-base (лучше на GPU)</translation>
    </message>
    <message>
        <source> min</source>
        <translation> мин</translation>
    </message>
    <message>
        <source>Encoder:</source>
        <translation>Кодировщик:</translation>
    </message>
    <message>
        <source>Time budget:</source>
        <translation>Бюджет времени:</translation>
    </message>
    <message>
        <source>● active</source>
        <translation>● активна</translation>
    </message>
    <message>
        <source>best of all versions</source>
        <translation>лучшее среди всех версий</translation>
    </message>
    <message>
        <source>{path}
snapshot: {train} train, {dev} dev, {eval} evaluation documents</source>
        <translation>{path}
снимок: обучающих {train}, dev {dev}, контрольных {eval} документов</translation>
    </message>
    <message>
        <source>{n} document(s) pinned</source>
        <translation>Закреплено документов: {n}</translation>
    </message>
    <message>
        <source>No evaluation set pinned: models are compared on their own dev splits only</source>
        <translation>Контрольный набор не закреплён: модели сравниваются только на своих dev-выборках</translation>
    </message>
    <message>
        <source>Score every model on the {n} pinned documents, so all are compared on the same ones</source>
        <translation>Оценить все модели на {n} закреплённых документах, чтобы сравнивать их на одних и тех же</translation>
    </message>
    <message>
        <source>Pin an evaluation set first (the documents in the list, or the first retrain pins one): there is nothing to score the models on yet</source>
        <translation>Сначала закрепите оценочный набор (документы из списка, или его закрепит первое переобучение): моделям пока не на чем оцениваться</translation>
    </message>
    <message>
        <source>Cannot activate this model</source>
        <translation>Не удаётся активировать эту модель</translation>
    </message>
    <message>
        <source>Cannot roll back</source>
        <translation>Не удаётся откатить</translation>
    </message>
    <message>
        <source>Model bundle folder</source>
        <translation>Папка модели</translation>
    </message>
    <message>
        <source>Cannot register this folder</source>
        <translation>Не удаётся зарегистрировать эту папку</translation>
    </message>
    <message>
        <source>Cannot pin the evaluation set</source>
        <translation>Не удаётся закрепить контрольный набор</translation>
    </message>
    <message>
        <source>Scoring job {job} queued: see the Jobs panel. The table updates when it ends.</source>
        <translation>Задание оценки {job} в очереди: см. панель заданий. Таблица обновится по его завершении.</translation>
    </message>
</context>
<context>
    <name>ShortcutEditor</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Сочетания клавиш</translation>
    </message>
    <message>
        <source>Filter actions…</source>
        <translation>Фильтр команд…</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Команда</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Раздел</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>Клавиши</translation>
    </message>
    <message>
        <source>Reset selected to default</source>
        <translation>Вернуть выбранным клавиши по умолчанию</translation>
    </message>
    <message>
        <source>Refused: {reason}</source>
        <translation>Отклонено: {reason}</translation>
    </message>
    <message>
        <source>“{action}” is now {key}.</source>
        <translation>«{action}» теперь {key}.</translation>
    </message>
    <message>
        <source>“{action}” is now without a key.</source>
        <translation>«{action}» теперь без клавиши.</translation>
    </message>
    <message>
        <source>Default restored.</source>
        <translation>Восстановлено по умолчанию.</translation>
    </message>
</context>
<context>
    <name>SpanDetailsPanel</name>
    <message>
        <source>Not in the schema; kept as imported.</source>
        <translation>Нет в схеме; сохранено как импортировано.</translation>
    </message>
    <message>
        <source>Stack another label on this span</source>
        <translation>Добавить этому фрагменту ещё один тег</translation>
    </message>
    <message>
        <source>&lt;i&gt;No span selected.&lt;/i&gt; Select text and press a tag&apos;s key, or click a span.</source>
        <translation>&lt;i&gt;Фрагмент не выбран.&lt;/i&gt; Выделите текст и нажмите клавишу тега или щёлкните фрагмент.</translation>
    </message>
    <message>
        <source>discontinuous, characters {places}</source>
        <translation>разрывный, символы {places}</translation>
    </message>
    <message>
        <source>characters {places}</source>
        <translation>символы {places}</translation>
    </message>
    <message>
        <source>Suggestion from {origin}. Accept (Enter) or reject (X).</source>
        <translation>Предложение от {origin}. Принять (Enter) или отклонить (X).</translation>
    </message>
    <message>
        <source>Suggestion from {origin}, score {score}. Accept (Enter) or reject (X).</source>
        <translation>Предложение от {origin}, оценка {score}. Принять (Enter) или отклонить (X).</translation>
    </message>
    <message>
        <source>{status}, by {origin}</source>
        <translation>{status}, автор {origin}</translation>
    </message>
    <message>
        <source>Add label…</source>
        <translation>Добавить тег…</translation>
    </message>
    <message>
        <source>Remove the label {label}</source>
        <translation>Убрать тег {label}</translation>
    </message>
    <message>
        <source>Remove the label {label} (deletes the span)</source>
        <translation>Убрать тег {label} (удаляет фрагмент)</translation>
    </message>
    <message>
        <source>code</source>
        <translation>код</translation>
    </message>
    <message>
        <source>Could not save {name}: {error}</source>
        <translation>Не удалось сохранить {name}: {error}</translation>
    </message>
    <message>
        <source>Set {name}</source>
        <translation>Задать {name}</translation>
    </message>
    <message>
        <source>Add label {label}</source>
        <translation>Добавить тег {label}</translation>
    </message>
    <message>
        <source>Remove label {label}</source>
        <translation>Убрать тег {label}</translation>
    </message>
</context>
<context>
    <name>SpanEditor</name>
    <message>
        <source>Could not do “{edit}”: {error}</source>
        <translation>Не удалось выполнить «{edit}»: {error}</translation>
    </message>
    <message>
        <source>Add {label}</source>
        <translation>Добавить {label}</translation>
    </message>
    <message>
        <source>Tag as {label}</source>
        <translation>Пометить как {label}</translation>
    </message>
    <message>
        <source>Select some text or a span first (Tab walks the suggestions).</source>
        <translation>Сначала выделите текст или фрагмент (Tab перебирает предложения).</translation>
    </message>
    <message>
        <source>Accept {labels}</source>
        <translation>Принять {labels}</translation>
    </message>
    <message>
        <source>Relabel as {label}</source>
        <translation>Переметить как {label}</translation>
    </message>
    <message>
        <source>Remove {label}</source>
        <translation>Убрать {label}</translation>
    </message>
    <message>
        <source>{label} is this span&apos;s only label; Delete removes the span.</source>
        <translation>{label} — единственный тег фрагмента; Delete удаляет фрагмент.</translation>
    </message>
    <message>
        <source>No current suggestion to reject.</source>
        <translation>Нет текущего предложения для отклонения.</translation>
    </message>
    <message>
        <source>Only suggestions are rejected; Delete removes a span.</source>
        <translation>Отклоняются только предложения; Delete удаляет фрагмент.</translation>
    </message>
    <message>
        <source>Reject {labels}</source>
        <translation>Отклонить {labels}</translation>
    </message>
    <message>
        <source>Accept {n} suggestions</source>
        <translation>Принять предложения: {n}</translation>
    </message>
    <message>
        <source>No suggestions in view.</source>
        <translation>В видимой области нет предложений.</translation>
    </message>
    <message>
        <source>Reject {n} suggestions</source>
        <translation>Отклонить предложения: {n}</translation>
    </message>
    <message>
        <source>No current span to delete.</source>
        <translation>Нет текущего фрагмента для удаления.</translation>
    </message>
    <message>
        <source>Delete {labels}</source>
        <translation>Удалить {labels}</translation>
    </message>
    <message>
        <source>No other suggestion.</source>
        <translation>Других предложений нет.</translation>
    </message>
    <message>
        <source>No other span.</source>
        <translation>Других фрагментов нет.</translation>
    </message>
    <message>
        <source>No current span to resize (Tab or ] selects one).</source>
        <translation>Нет текущего фрагмента для изменения (Tab или ] выбирает его).</translation>
    </message>
    <message>
        <source>The span cannot grow any further that way.</source>
        <translation>Фрагмент нельзя расширить дальше в эту сторону.</translation>
    </message>
    <message>
        <source>The span cannot shrink any further that way.</source>
        <translation>Фрагмент нельзя сузить дальше в эту сторону.</translation>
    </message>
    <message>
        <source>Grow {labels} {side}</source>
        <translation>Расширить {labels}: {side}</translation>
    </message>
    <message>
        <source>Shrink {labels} {side}</source>
        <translation>Сузить {labels}: {side}</translation>
    </message>
    <message>
        <source>end</source>
        <translation>конец</translation>
    </message>
    <message>
        <source>start</source>
        <translation>начало</translation>
    </message>
    <message>
        <source>Select a span, then select more text and press + to add it as a fragment.</source>
        <translation>Выберите фрагмент, затем выделите ещё текст и нажмите +, чтобы добавить его как часть.</translation>
    </message>
    <message>
        <source>Add fragment to {labels}</source>
        <translation>Добавить часть к {labels}</translation>
    </message>
    <message>
        <source>The current span has only one fragment.</source>
        <translation>У текущего фрагмента только одна часть.</translation>
    </message>
    <message>
        <source>Remove fragment of {labels}</source>
        <translation>Удалить часть {labels}</translation>
    </message>
    <message>
        <source>No current span.</source>
        <translation>Нет текущего фрагмента.</translation>
    </message>
    <message>
        <source>Set {name}</source>
        <translation>Задать {name}</translation>
    </message>
    <message>
        <source>No attributes apply to {labels}.</source>
        <translation>К {labels} не относится ни один атрибут.</translation>
    </message>
    <message>
        <source>Select a span or some text to add to a coreference chain.</source>
        <translation>Выберите фрагмент или текст для добавления в цепочку кореференции.</translation>
    </message>
    <message>
        <source>The selection is not a mention of any chain.</source>
        <translation>Выделение не является упоминанием ни одной цепочки.</translation>
    </message>
    <message>
        <source>Remove mention from chain</source>
        <translation>Убрать упоминание из цепочки</translation>
    </message>
    <message>
        <source>Mark document done</source>
        <translation>Отметить документ готовым</translation>
    </message>
    <message>
        <source>Document marked done.</source>
        <translation>Документ отмечен готовым.</translation>
    </message>
    <message>
        <source>Nothing to undo: edits made before this document was opened are saved and are not undone.</source>
        <translation>Нечего отменять: правки, сделанные до открытия документа, сохранены и не отменяются.</translation>
    </message>
    <message>
        <source>Nothing to redo.</source>
        <translation>Нечего повторять.</translation>
    </message>
    <message>
        <source>No suggestions left; Ctrl+Return marks the document done.</source>
        <translation>Предложений не осталось; Ctrl+Enter отмечает документ готовым.</translation>
    </message>
    <message>
        <source>Add mention to chain</source>
        <translation>Добавить упоминание в цепочку</translation>
    </message>
    <message>
        <source>Start chain</source>
        <translation>Начать цепочку</translation>
    </message>
    <message>
        <source>Open a document to annotate it.</source>
        <translation>Откройте документ, чтобы размечать его.</translation>
    </message>
    <message>
        <source>, score {score}</source>
        <translation>, оценка {score}</translation>
    </message>
    <message>
        <source>{n} fragments</source>
        <translation>частей: {n}</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>suggested</source>
        <translation>предложен</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>принят</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>отклонён</translation>
    </message>
    <message>
        <source>gold</source>
        <translation>эталон</translation>
    </message>
    <message>
        <source>new</source>
        <translation>новый</translation>
    </message>
    <message>
        <source>pre-annotated</source>
        <translation>предразмечен</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>в работе</translation>
    </message>
    <message>
        <source>done</source>
        <translation>готово</translation>
    </message>
    <message>
        <source>curated</source>
        <translation>выверен</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>в очереди</translation>
    </message>
    <message>
        <source>running</source>
        <translation>выполняется</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>успешно</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>отменено</translation>
    </message>
</context>
<context>
    <name>SuggestionsPanel</name>
    <message>
        <source>Accept</source>
        <translation>Принять</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Отклонить</translation>
    </message>
    <message>
        <source>score ≥ </source>
        <translation>оценка ≥ </translation>
    </message>
    <message>
        <source>Accept all</source>
        <translation>Принять все</translation>
    </message>
    <message>
        <source>Accept every pending suggestion whose score is at least this value</source>
        <translation>Принять все ожидающие предложения с оценкой не ниже этой</translation>
    </message>
    <message>
        <source>{origin}; characters {ranges}</source>
        <translation>{origin}; символы {ranges}</translation>
    </message>
    <message>
        <source>No pending suggestions.</source>
        <translation>Ожидающих предложений нет.</translation>
    </message>
    <message>
        <source>Pending suggestions: {n} (Tab walks them in the editor)</source>
        <translation>Ожидающих предложений: {n} (Tab перебирает их в редакторе)</translation>
    </message>
    <message>
        <source>Accept {n}</source>
        <translation>Принять {n}</translation>
    </message>
    <message>
        <source>Accept {n} suggestions</source>
        <translation>Принять предложения: {n}</translation>
    </message>
    <message>
        <source>Reject {n} suggestions</source>
        <translation>Отклонить предложения: {n}</translation>
    </message>
</context>
<context>
    <name>Task</name>
    <message>
        <source>cancelled; nothing was imported</source>
        <translation>отменено; ничего не импортировано</translation>
    </message>
</context>
<context>
    <name>TeamUi</name>
    <message>
        <source>&amp;Team</source>
        <translation>&amp;Команда</translation>
    </message>
    <message>
        <source>Agreement…</source>
        <translation>Согласие…</translation>
    </message>
    <message>
        <source>Curate this document…</source>
        <translation>Курировать этот документ…</translation>
    </message>
    <message>
        <source>Auto-merge every document…</source>
        <translation>Автослияние всех документов…</translation>
    </message>
    <message>
        <source>Undo the last auto-merge</source>
        <translation>Отменить последнее автослияние</translation>
    </message>
    <message>
        <source>Someone else changed this document (a curator or another annotator); it was reloaded.</source>
        <translation>Документ изменил кто-то другой (куратор или другой аннотатор); он перезагружен.</translation>
    </message>
    <message>
        <source>Open a document to curate first.</source>
        <translation>Сначала откройте документ для курирования.</translation>
    </message>
    <message>
        <source>Auto-merge every document</source>
        <translation>Автослияние всех документов</translation>
    </message>
    <message>
        <source>Merge the documents whose agreement (span and tag strict) is at least, in %:</source>
        <translation>Слить документы, согласие по которым (границы и тег строго) не ниже, %:</translation>
    </message>
    <message>
        <source>Auto-merge</source>
        <translation>Автослияние</translation>
    </message>
    <message>
        <source>Curated {n} documents automatically.</source>
        <translation>Автоматически курировано документов: {n}.</translation>
    </message>
    <message>
        <source>The last auto-merge was undone.</source>
        <translation>Последнее автослияние отменено.</translation>
    </message>
</context>
<context>
    <name>TrainingNotice</name>
    <message>
        <source>Training finished</source>
        <translation>Обучение завершено</translation>
    </message>
    <message>
        <source>Training {state}</source>
        <translation>Обучение: {state}</translation>
    </message>
    <message>
        <source>Keep the active model</source>
        <translation>Оставить активную модель</translation>
    </message>
    <message>
        <source>Trained on {n} documents: {done} marked done and {gold} with imported gold annotations ({train} to learn from, {dev} held out for dev).</source>
        <translation>Обучено на {n} документах: {done} отмечены готовыми и {gold} с импортированной эталонной разметкой ({train} для обучения, {dev} отложено для dev).</translation>
    </message>
    <message>
        <source>{n} other documents were pinned as the evaluation set: never trained on, every model is scored on them (Model registry → Evaluation set).</source>
        <translation>Ещё {n} документов закреплены как оценочный набор: на них не обучаются, и каждая модель оценивается на них (Реестр моделей → Оценочный набор).</translation>
    </message>
    <message>
        <source>Of the documents marked done, {curated} have curated gold and {layers} were taken from an annotator&apos;s done layer (not curated yet).</source>
        <translation>Из отмеченных готовыми документов {curated} имеют курированную разметку, а {layers} взяты из готового слоя аннотатора (ещё не курированы).</translation>
    </message>
    <message>
        <source>No ADR classifier was active: activate this one and pre-annotation scores each review&apos;s ADR probability.</source>
        <translation>Активного классификатора НР не было: активируйте этот, и предразметка будет оценивать вероятность НР в каждом отзыве.</translation>
    </message>
    <message>
        <source>No model was active: activate this one to get suggestions.</source>
        <translation>Активной модели не было: активируйте эту, чтобы получать предложения.</translation>
    </message>
    <message>
        <source>The active model {version} has dev {metric} {f1} ({old_docs} training documents; this one {new_docs}).</source>
        <translation type="vanished">У активной модели {version} {metric} на dev {f1} (обучающих документов {old_docs}; у этой {new_docs}).</translation>
    </message>
    <message>
        <source>&lt;b&gt;It is now active&lt;/b&gt; (auto-activation rule).</source>
        <translation>&lt;b&gt;Теперь она активна&lt;/b&gt; (правило автоактивации).</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Тег</translation>
    </message>
    <message>
        <source>New dev F1</source>
        <translation type="vanished">Новый F1 dev</translation>
    </message>
    <message>
        <source>Active dev F1</source>
        <translation type="vanished">Активный F1 dev</translation>
    </message>
    <message>
        <source>(no active)</source>
        <translation>(нет активной)</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Изменение</translation>
    </message>
    <message>
        <source>Activate the new model</source>
        <translation>Активировать новую модель</translation>
    </message>
    <message>
        <source>Model registry…</source>
        <translation>Реестр моделей…</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Позже</translation>
    </message>
    <message>
        <source>on the same {n} pinned evaluation documents</source>
        <translation>на тех же {n} закреплённых оценочных документах</translation>
    </message>
    <message>
        <source>on each model&apos;s own dev split (no evaluation set both were scored on)</source>
        <translation>на собственной dev-выборке каждой модели (общего оценочного набора нет)</translation>
    </message>
    <message>
        <source>&lt;b&gt;The new model is worse.&lt;/b&gt;</source>
        <translation>&lt;b&gt;Новая модель хуже.&lt;/b&gt;</translation>
    </message>
    <message>
        <source>The new model is at least as good.</source>
        <translation>Новая модель не хуже.</translation>
    </message>
    <message>
        <source>{metric} {where}: new {new}, active {version} {old}. {verdict}</source>
        <translation>{metric} {where}: новая {new}, активная {version} {old}. {verdict}</translation>
    </message>
    <message>
        <source>&lt;i&gt;Grey rows rest on fewer than {n} gold mentions: one mention found or missed moves their F1 a lot.&lt;/i&gt;</source>
        <translation>&lt;i&gt;Серые строки опираются менее чем на {n} эталонных упоминаний: одно найденное или пропущенное упоминание сильно меняет их F1.&lt;/i&gt;</translation>
    </message>
    <message>
        <source>eval</source>
        <translation>оцен.</translation>
    </message>
    <message>
        <source>dev</source>
        <translation>dev</translation>
    </message>
    <message>
        <source>Mentions</source>
        <translation>Упоминания</translation>
    </message>
    <message>
        <source>New {on} F1</source>
        <translation>F1 новой ({on})</translation>
    </message>
    <message>
        <source>Active {on} F1</source>
        <translation>F1 активной ({on})</translation>
    </message>
    <message>
        <source>{n} gold mention(s) of {tag}: a change here is a mention or two found or missed</source>
        <translation>Эталонных упоминаний {tag}: {n}; изменение здесь — одно-два найденных или пропущенных упоминания</translation>
    </message>
    <message>
        <source>Cannot activate {version}: {error}</source>
        <translation>Не удаётся активировать {version}: {error}</translation>
    </message>
</context>
</TS>
